rec { a = 1; b = a; c = b + 1; __overrides = { a = 2; d = c; }; }
