{ web = { http = 80; https = 443; }; system.ntp = 123; }
