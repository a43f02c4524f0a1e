let f = n: l: if n == 0 then l else f (n - 1) [ l l ]; in builtins.deepSeq (f 60 [ 1 ]) 1
