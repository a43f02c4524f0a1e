{ "with space" = 1; "dotted.name" = 2; "" = 3; }
