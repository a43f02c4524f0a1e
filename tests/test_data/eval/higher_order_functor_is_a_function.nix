builtins.all { __functor = self: x: x > 0; } [ 1 2 ]
