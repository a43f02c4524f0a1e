builtins.isPath ./foo.nix
