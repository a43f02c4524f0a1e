# portnix's config for lib/ports.nix: what the ports mean and where they may go.
let
  ports = import ./ports.nix;
in
{
  # Every port under a pattern must lie in its range; the most specific pattern wins.
  ranges = {
    development = { from = 3000; to = 3999; };
    otel = { from = 4000; to = 4999; };
    databases = { from = 5000; to = 6999; };
    workflow = { from = 7000; to = 7999; };
    webUIs = { from = 8000; to = 8999; };
    storage = { from = 9000; to = 9099; };
    testing = { from = 9500; to = 9999; };
  };

  reserved = [
    { from = 1; to = 1023; reason = "system ports: binding them needs root"; allow = [ "infrastructure.ssh" ]; }
    { port = 8080; reason = "process-compose's API server listens here by default"; }
  ];

  services = {
    "infrastructure.ssh" = { description = "OpenSSH"; openFirewall = true; };
    "infrastructure.tailscale" = { protocol = "udp"; description = "Tailscale WireGuard"; openFirewall = true; };
    "infrastructure.nodeExporter" = { description = "Prometheus node exporter"; openFirewall = true; interfaces = [ "tailscale0" ]; };
    "infrastructure.prometheus" = { description = "Prometheus"; };
    "infrastructure.promtail" = { description = "Promtail"; };
    "development.api" = { description = "API server"; env = "API_PORT"; };
    "development.web" = { description = "Web frontend"; env = "WEB_PORT"; };
    "development.docs" = { description = "Documentation preview"; };
    "development.storybook" = { description = "Storybook"; };
    "otel.grpc" = { description = "OpenTelemetry collector, gRPC"; };
    "otel.http" = { description = "OpenTelemetry collector, HTTP"; };
    "otel.collectorMetrics" = { description = "Collector self-metrics"; };
    "databases.postgresql" = { description = "PostgreSQL"; env = "PGPORT"; };
    "databases.redis" = { description = "Redis"; env = "REDIS_PORT"; };
    "databases.clickhouse" = { description = "ClickHouse HTTP"; };
    "workflow.temporal" = { description = "Temporal frontend"; };
    "workflow.temporalMetrics" = { description = "Temporal metrics"; };
    "webUIs.temporalUI" = { description = "Temporal UI"; };
    "webUIs.jaegerUI" = { description = "Jaeger UI"; };
    "webUIs.grafana" = { description = "Grafana"; };
    "storage.minio" = { description = "MinIO S3 API"; };
    "storage.minioConsole" = { description = "MinIO console"; };
    "testing.ephemeral" = { description = "Short-lived test servers"; };
  };

  # `portnix gen process-compose` writes these; commands interpolate the registry's ports.
  processes = {
    postgres = {
      command = "postgres -D ./.data/postgres -p ${toString ports.databases.postgresql}";
      serves = [ "databases.postgresql" ];
      readiness = { initial_delay_seconds = 2; period_seconds = 5; };
      availability = { restart = "on_failure"; max_restarts = 3; };
    };
    redis = {
      command = "redis-server --port ${toString ports.databases.redis}";
      serves = [ "databases.redis" ];
      readiness = { };
    };
    api = {
      command = "cargo run --bin api";
      serves = [ "development.api" ];
      readiness = { path = "/health"; };
      depends_on = { postgres = "process_healthy"; redis = "process_healthy"; };
      environment = { RUST_LOG = "info"; };
    };
    web = {
      command = "npm run dev -- --port ${toString ports.development.web}";
      serves = [ "development.web" ];
      depends_on.api = "process_healthy";
      ready_log_line = "ready in";
    };
  };

  # The test data and fuzz seeds write ports by hand on purpose.
  lint.exclude = [ "tests" "fuzz" ];

  # Tailscale's port is fixed by Tailscale itself.
  ignore."ephemeral-port" = [ "infrastructure.tailscale" ];
}
