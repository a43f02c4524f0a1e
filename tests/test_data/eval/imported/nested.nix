let
  ports = import ./ports.nix;
  web = import ./mkport.nix { base = 9000; };
in
ports // { inherit web; }
