{
  # health checks beside the port, which other tools read
  web = {
    status = { port = 8080; check = "/status"; interval = 10; };
    api = [ { port = 8081; check = "/health"; } 8082 ];
  };
}
