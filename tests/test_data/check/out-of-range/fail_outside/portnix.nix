{ ranges.databases = { from = 5000; to = 5999; }; }
