let base = 1; in { dog.x = 20000; dog.y = 20001; cat = { "q.r" = 20002; }; }
