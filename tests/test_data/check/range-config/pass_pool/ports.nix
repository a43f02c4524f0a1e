{ databases.pg = 5432; }
