{
  processes = {
    api = {
      command = "api --port $PORT";
      serves = [ "app.api" ];
      readiness = { path = "/health"; timeout_seconds = 2; };
      liveness.exec = { command = "curl -f localhost:3000/live"; };
    };
    web = {
      command = "web";
      serves = [ "app.web" ];
      uses = [ "app.api" ];
      ready_log_line = "ready";
      depends_on.api = "process_healthy";
    };
    worker = { command = "worker"; readiness.exec = "test -e /tmp/ready"; depends_on.web = "process_log_ready"; };
  };
  services."app.dns".protocol = "udp";
}
