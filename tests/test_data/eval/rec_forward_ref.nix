rec { b = a * 2; a = 21; }
