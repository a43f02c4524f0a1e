builtins.typeOf (2 * 1.0)
