(import ./imported/lazy.nix).ok
