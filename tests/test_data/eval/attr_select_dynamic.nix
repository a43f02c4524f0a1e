let n = "b"; in { a = 1; b = 2; }.${n}
