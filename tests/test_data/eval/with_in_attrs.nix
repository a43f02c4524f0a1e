let ports = { web = 80; }; in with ports; { inherit web; }
