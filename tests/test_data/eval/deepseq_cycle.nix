let x = { a = x; b = [ x ]; }; in builtins.deepSeq x "done"
