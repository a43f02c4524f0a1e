builtins.foldl' (acc: x: x) (throw "forced") [ ]
