# `x ? a` inside x.a: the test looks the name up without forcing what it finds, as Nix does
# (nixpkgs' lib.fix test: `fix (x: { a = if x ? a then "a" else "b"; })`). Forcing it would be
# an infinite recursion.
let
  fix = f: let x = f x; in x;
  deep = { a.b = if deep ? a.b then 1 else 2; };
in
{
  fixed = fix (x: { a = if x ? a then "a" else "b"; });
  self = let x = { a = x ? a; }; in x.a;
  nested = deep.a.b;
  # An intermediate step is forced: a throw there is no `false`.
  caught = (builtins.tryEval ({ a = throw "x"; } ? a.b)).success;
}
