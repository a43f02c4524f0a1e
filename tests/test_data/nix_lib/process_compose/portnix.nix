{
  services."app.dns".protocol = "udp";
  processes = {
    api = {
      command = "api --port $PORT --db $${PGPORT}";
      description = "the API";
      serves = [ "app.api" "app.metrics" ];
      uses = [ "db" "sync[1]" "pool" ];
      working_dir = "./api";
      env_file = ".env";
      namespace = "backend";
      environment = { PORT = 3000; MODE = "dev $HOME"; };
      readiness = { path = "/health"; scheme = "https"; host = "127.0.0.1"; period_seconds = 5; success_threshold = 2; };
      liveness = { entry = "app.metrics"; initial_delay_seconds = 3; };
      availability = { restart = "on_failure"; backoff_seconds = 2; max_restarts = 5; };
      shutdown = { signal = 15; timeout_seconds = 20; };
    };
    dns = {
      command = "dnsd";
      serves = [ "app.dns" ];
      disabled = true;
      readiness.exec = { command = "dig @127.0.0.1 -p 5353 example.org"; working_dir = "/tmp"; };
    };
    web = {
      command = "web";
      serves = [ "app.web" ];
      is_daemon = false;
      readiness = { host = "::1"; };
      depends_on = { api = "process_healthy"; dns = "process_started"; };
    };
    worker = { command = "worker --pool $POOL"; uses = [ "pool" "sync" ]; ready_log_line = "ready on $PORT"; };
  };
}
