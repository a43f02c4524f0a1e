{ infrastructure = { db = 5432; web = 6100; }; }
