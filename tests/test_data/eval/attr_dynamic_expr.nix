let xs = [ "p" "q" ]; in { ${builtins.head xs} = 1; ${builtins.elemAt xs 1} = 2; }
