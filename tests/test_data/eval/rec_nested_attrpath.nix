rec { a.b = c; c = 3; }
