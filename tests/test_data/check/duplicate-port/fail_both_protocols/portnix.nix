{
  reserved = [ { from = 1; to = 1023; reason = "system"; allow = [ "dns" "mdns" "dnsOverTcp" ]; } ];
  services = {
    dns = { protocol = "both"; };
    mdns = { protocol = "udp"; };
  };
}
