{ services."databases.postgresql" = { description = "PostgreSQL"; env = "PGPORT"; }; }
