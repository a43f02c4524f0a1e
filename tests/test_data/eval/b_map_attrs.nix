builtins.mapAttrs (name: value: "${name}=${toString value}") { web = 80; db = 5432; }
