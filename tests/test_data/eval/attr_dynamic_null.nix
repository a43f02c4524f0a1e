let k = null; in { ${k} = 1; b = 2; }
