{ databases.pg = 5432; caches.redis = 5500; }
