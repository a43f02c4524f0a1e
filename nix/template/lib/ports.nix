# portnix's own example registry: one attribute set, categories first, then services.
#
# NixOS modules import it directly:
#   let ports = import ./lib/ports.nix; in { services.postgresql.settings.port = ports.databases.postgresql; }
#
# A leaf is a port (an int) or a range `{ from; to; }`, the shape networking.firewall uses.
let
  # Web UIs share one block; their ports are offsets into it.
  webBase = 8200;
in
{
  infrastructure = {
    ssh = 22;
    nodeExporter = 9100;
    promtail = 9080;
    prometheus = 9090;
    tailscale = 41641; # udp
  };

  development = {
    api = 3000;
    web = 3001;
    docs = 3002;
    storybook = 3006;
  };

  otel = {
    grpc = 4317;
    http = 4318;
    collectorMetrics = 4888;
  };

  databases = {
    postgresql = 5432;
    redis = 6379;
    clickhouse = 5123;
  };

  workflow = {
    temporal = 7233;
    temporalMetrics = 7234;
  };

  webUIs = {
    temporalUI = webBase + 33;
    jaegerUI = webBase + 86;
    grafana = webBase + 30;
  };

  storage = {
    minio = 9000;
    minioConsole = 9001;
  };

  # Short-lived test servers pick from this block.
  testing.ephemeral = { from = 9500; to = 9599; };
}
