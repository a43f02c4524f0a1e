toString [ 1 "a" [ 2 3 ] null ]
