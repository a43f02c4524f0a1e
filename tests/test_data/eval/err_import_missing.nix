import ./imported/does-not-exist.nix
