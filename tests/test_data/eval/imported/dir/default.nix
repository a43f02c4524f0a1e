{ fromDefault = "default.nix was imported"; }
