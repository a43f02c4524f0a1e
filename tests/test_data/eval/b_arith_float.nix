[ (builtins.add 1 0.5) (builtins.div 1 4.0) ]
