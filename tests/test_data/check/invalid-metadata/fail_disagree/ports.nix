{
  dns = { port = 5353; protocol = "udp"; description = "mDNS"; };
  api = { port = 8080; env = "API_PORT"; };
}
