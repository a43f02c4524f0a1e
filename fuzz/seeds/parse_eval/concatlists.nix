let l = builtins.genList (j: j) 100000; in builtins.concatLists (builtins.genList (i: l) 100000)
