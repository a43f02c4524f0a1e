{ ranges = { databses = { from = 5000; to = 5999; }; }; }
