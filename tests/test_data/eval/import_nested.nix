import ./imported/nested.nix
