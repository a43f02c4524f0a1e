let s = { p = 80; }; inherit (s) p; in p
