# toXML as Nix 2.8 writes it: sorted attributes, escapes in attribute quotes, %g floats,
# function patterns, builtins unevaluated.
builtins.toXML [
  { } [ ] 1.5 0.1 1.0e20 (1.0 / 3) 100.0 null true ./x
  ({ a, b ? 1, ... }@s: 1) (x: x) ({ z, a }: 1) (s@{ q }: q)
  builtins.add "a\"<>&\n\r\tb"
  { web = { api = 8080; }; "quoted name" = "v"; }
]
