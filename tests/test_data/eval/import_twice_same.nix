let a = import ./imported/ports.nix; b = import ./imported/ports.nix; in a == b
