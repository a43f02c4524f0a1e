{ services."databases.postgres" = { description = "PostgreSQL"; }; }
