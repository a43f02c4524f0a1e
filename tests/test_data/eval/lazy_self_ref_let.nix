let xs = [ 1 2 ] ++ [ (builtins.length xs) ]; in xs
