# The seed's "Port Ranges Convention" table, applied to its own categories. The seed's file
# does not follow its table; the expected findings show where.
let
  ports = import ./ports.nix;
in
{
  ranges = {
    development = { from = 3000; to = 3999; };
    otel = { from = 4000; to = 4999; };
    databases = { from = 5000; to = 5999; };
    infrastructure = { from = 9000; to = 9999; };
    storage = { from = 9000; to = 9999; };
  };
  reserved = [
    { from = 1; to = 1023; reason = "system/well-known"; allow = [ "infrastructure.ssh" ]; }
  ];
  services = {
    "infrastructure.tailscale".protocol = "udp";
  };

  # The seed's process-compose stack: redis answers `ping`, postgres keeps its data in $PGDATA
  # (the shell's, at run time), the API logs when it listens and gets redis's port.
  processes = {
    redis = {
      command = "redis-server --port ${toString ports.databases.redis}";
      serves = [ "databases.redis" ];
      is_daemon = true;
      readiness.exec = "redis-cli -p ${toString ports.databases.redis} ping";
      shutdown = { command = "redis-cli -p ${toString ports.databases.redis} shutdown"; timeout_seconds = 10; };
    };
    postgres = {
      command = "postgres -D $PGDATA -p ${toString ports.databases.postgresql}";
      serves = [ "databases.postgresql" ];
      environment.PGDATA = "/tmp/pgdata-dev";
      readiness = { timeout_seconds = 2; failure_threshold = 10; };
      liveness = { period_seconds = 30; };
    };
    api = {
      command = "bun run dev --port ${toString ports.development.api}";
      serves = [ "development.api" ];
      uses = [ "databases.postgresql" ];
      ready_log_line = "listening on";
      depends_on = { redis = "process_healthy"; postgres = "process_healthy"; };
      log_location = "./.logs/api.log";
    };
  };
}
