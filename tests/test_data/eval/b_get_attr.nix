builtins.getAttr "a" { a = 7; }
