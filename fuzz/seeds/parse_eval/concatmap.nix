builtins.concatMap (i: builtins.genList (j: j) 10000000) (builtins.genList (i: i) 100000)
