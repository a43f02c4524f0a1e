baseNameOf (./a + "/b.nix")
