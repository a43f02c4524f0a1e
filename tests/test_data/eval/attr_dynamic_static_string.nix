{ ${"plain"} = 1; }
