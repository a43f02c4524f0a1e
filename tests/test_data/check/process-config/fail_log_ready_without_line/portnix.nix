{
  processes = {
    api = { command = "api"; serves = [ "app.api" ]; readiness = { }; };
    web = { command = "web"; depends_on.api = "process_log_ready"; };
  };
}
