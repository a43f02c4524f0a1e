{ ranges.testing = { from = 9000; to = 9999; }; }
