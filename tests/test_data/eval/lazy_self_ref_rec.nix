rec { a = { b = c; }; c = 1; }.a.b
