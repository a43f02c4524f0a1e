{
  processes.api = {
    command = "api";
    serves = [ "app.api" ];
    readiness.path = "/health";
    ready_log_line = "listening";
  };
}
