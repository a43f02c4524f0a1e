let x = 5; in if x < 3 then "low" else if x < 7 then "mid" else "high"
