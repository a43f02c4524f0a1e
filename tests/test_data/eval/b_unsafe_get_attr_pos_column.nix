let s = {
  a = 1;
    bb = 2;
}; in (builtins.unsafeGetAttrPos "bb" s).column
