builtins.sort (a: b: a < b) [ "redis" "api" "postgres" ]
