{ web = { http = 80; https = 443; }; app = 8000; }
