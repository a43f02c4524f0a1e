# genericClosure: each key once, in the order the work list meets it, keys compared as values.
builtins.genericClosure {
  startSet = [ { key = 5; } { key = 1; } { key = 5; } ];
  operator = item: if item.key > 1 then [ { key = item.key - 2; } { key = item.key - 1; extra = true; } ] else [ ];
}
