let v = { port = 80; list = [ 1 2 ]; }; in builtins.fromJSON (builtins.toJSON v) == v
