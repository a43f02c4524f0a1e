builtins.true
