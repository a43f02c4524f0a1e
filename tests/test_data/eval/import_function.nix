import ./imported/mkport.nix { base = 8000; }
