# Keys of different types cannot be compared.
builtins.genericClosure { startSet = [ { key = 1; } { key = "1"; } ]; operator = _: [ ]; }
