# Nix 2.8 gives every name of a dotted binding the position of the path's first name, also
# when a later binding adds to the same set.
let
  s = {
    web.api = 1;
    web . "a.b" . c = 2;
    x = { y.z = 3; };
  };
  t = { a.b = 1; a.c = 2; };
  at = n: set: let p = builtins.unsafeGetAttrPos n set; in [ p.line p.column ];
in
[ (at "web" s) (at "api" s.web) (at "c" s.web."a.b") (at "y" s.x) (at "z" s.x.y) (at "b" t.a) (at "c" t.a) ]
