builtins.replaceStrings [ "" ] [ "X" ] "abc"
