let xs = [ 1 (throw "lazy") 3 ]; in builtins.length xs
