builtins.catAttrs "port" [ { port = 1; } { other = 2; } { port = 3; } ]
