{ app = { api = 3000; web = 3001; dns = 5353; }; }
