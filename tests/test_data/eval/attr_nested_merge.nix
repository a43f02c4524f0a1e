{ a.b = 1; a.c = 2; d.e.f = 3; d.e.g = 4; }
