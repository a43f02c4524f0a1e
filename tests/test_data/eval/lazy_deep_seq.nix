builtins.deepSeq { a = [ 1 ]; } "ok"
