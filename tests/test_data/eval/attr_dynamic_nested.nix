let k = "x"; in { a.${k}.b = 1; }
