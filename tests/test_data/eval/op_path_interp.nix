let n = "x"; in baseNameOf ./dir/${n}.nix
