{ ranges.infrastructure = { from = 5000; to = 6999; }; }
