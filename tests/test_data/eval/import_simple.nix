import ./imported/ports.nix
