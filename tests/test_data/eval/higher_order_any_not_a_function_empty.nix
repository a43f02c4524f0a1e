builtins.any 1 [ ]
