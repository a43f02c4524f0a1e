[ (builtins ? attrNames) (builtins ? noSuchThing) (builtins ? fetchGit) ]
