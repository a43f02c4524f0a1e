let
  block = n: { from = n * 1000; to = n * 1000 + 999; };
in builtins.listToAttrs (map (n: { name = "project${toString n}"; value = block n; }) [ 10 11 12 ])
