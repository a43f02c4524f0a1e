# The seed's "Port Ranges Convention" table, applied to its own categories. The seed's file
# does not follow its table; the expected findings show where.
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
}
