let x = { a = x; b = throw "reached"; }; in builtins.deepSeq x 1
