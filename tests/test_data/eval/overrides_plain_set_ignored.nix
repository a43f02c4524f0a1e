{ a = 1; b = 2; __overrides = { a = 10; }; }
