import "ports.nix"
