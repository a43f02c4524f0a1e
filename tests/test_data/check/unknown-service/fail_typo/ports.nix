{ databases.postgresql = 5432; }
