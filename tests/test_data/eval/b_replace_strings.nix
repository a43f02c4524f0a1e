builtins.replaceStrings [ "." "-" ] [ "_" "_" ] "a.b-c"
