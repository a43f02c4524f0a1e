builtins.getAttr "z" { }
