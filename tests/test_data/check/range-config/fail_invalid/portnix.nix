{ reserved = [ ]; ranges = { a = { from = 2000; to = 1000; }; b = { from = 1; to = 70000; }; }; }
