builtins.foldl' (acc: x: x) (throw "never forced") [ 1 2 ]
