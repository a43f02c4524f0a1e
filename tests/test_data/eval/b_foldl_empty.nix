builtins.foldl' (acc: x: acc + x) 7 [ ]
