{ infrastructure = { db = { postgres = 5432; }; gateway = 8080; metrics = 9100; }; apps.web = 7100; }
