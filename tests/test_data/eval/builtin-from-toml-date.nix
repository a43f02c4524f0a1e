# Nix has no type for dates, and Nix 2.8 refuses them.
builtins.fromTOML "released = 1979-05-27"
