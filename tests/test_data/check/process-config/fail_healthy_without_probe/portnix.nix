{
  processes = {
    api = { command = "api"; serves = [ "app.api" ]; };
    web = { command = "web"; depends_on.api = "process_healthy"; };
  };
}
