map (x: x.name) (builtins.sort (a: b: a.port < b.port) [ { name = "web"; port = 80; } { name = "ssh"; port = 22; } ])
