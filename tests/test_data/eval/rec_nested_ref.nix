rec { base = 8000; web = { port = base + 80; }; }
