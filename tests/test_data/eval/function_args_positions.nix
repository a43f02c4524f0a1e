let f = { a, b ? 1, ... }: a; in {
  a = builtins.unsafeGetAttrPos "a" (builtins.functionArgs f);
  b = builtins.unsafeGetAttrPos "b" (builtins.functionArgs f);
}
