{ web = { port = 8080; }; }
