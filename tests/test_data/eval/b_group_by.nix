builtins.groupBy (x: if x > 5000 then "high" else "low") [ 22 5432 80 8080 ]
