builtins.typeOf (toString ./foo)
