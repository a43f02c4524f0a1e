builtins.listToAttrs (builtins.genList (i: { name = "worker${toString i}"; value = 9100 + i; }) 4)
