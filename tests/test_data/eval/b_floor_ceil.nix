[ (builtins.floor 2.7) (builtins.ceil 2.1) (builtins.floor (-2.5)) ]
