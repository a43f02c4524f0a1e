{ services.postgresql.port = 5432; x = "127.0.0.1:6379"; y = 1.5432; }
