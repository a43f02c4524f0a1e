# portnix's config; its reference is in portnix's README.
{
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
    { from = 1; to = 1023; reason = "system ports"; allow = [ "infrastructure.ssh" ]; }
  ];
  services = {
    "infrastructure.ssh".openFirewall = true;
    "infrastructure.tailscale".protocol = "udp";
  };
}
