{ databases = { postgresql = 5432; cache = 6379; }; app = 8000; }
