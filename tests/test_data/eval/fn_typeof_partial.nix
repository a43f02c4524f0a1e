builtins.typeOf (builtins.add 1)
