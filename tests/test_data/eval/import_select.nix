(import ./imported/ports.nix).databases.postgresql
