let p = import ./imported/ports.nix; in p.databases // { extra = 1; }
