{
  ranges.system = { from = 1; to = 1023; };
  reserved = [ { from = 1; to = 1023; reason = "system"; allow = [ "web" "system" ]; } ];
  services."system.ntp".protocol = "udp";
}
