let
  reg = { db = { pg = 5432; redis = 6379; }; web = { http = 80; }; };
in builtins.concatLists (builtins.attrValues (builtins.mapAttrs (cat: svcs: map (s: "${cat}.${s}") (builtins.attrNames svcs)) reg))
