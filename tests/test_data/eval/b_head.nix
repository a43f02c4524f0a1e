builtins.head [ 9 8 ]
