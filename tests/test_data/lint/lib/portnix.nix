{ services."databases.postgresql".env = "PGPORT"; }
