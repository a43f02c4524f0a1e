{ a = { }; }.a.b.c or "none"
