builtins.filter (x: x > 1024) [ 22 80 5432 8080 ]
