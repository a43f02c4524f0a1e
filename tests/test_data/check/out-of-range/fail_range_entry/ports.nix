{ testing.pool = { from = 9950; to = 10050; }; }
