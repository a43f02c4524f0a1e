[ (baseNameOf "/a/b/c.nix") (baseNameOf "/a/b/") (baseNameOf "x") ]
