builtins.toJSON [ 1.0 0.5 1.0e10 ]
