builtins.tail [ 9 8 7 ]
