let f = n: l: if n == 0 then l else f (n - 1) (l ++ l); in f 40 [ 1 ]
