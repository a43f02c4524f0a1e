{
  ranges = {
    rest-api = { from = 8080; to = 8099; };
    grpc = { from = 50050; to = 50099; };
    websocket = { from = 8100; to = 8199; };
    database = { from = 5400; to = 5499; };
    cache = { from = 6300; to = 6399; };
    analytics = { from = 8200; to = 8299; };
    security = { from = 8300; to = 8399; };
    frontend = { from = 3000; to = 3099; };
  };
  # Ports handed out at run time (`portnix lease`, `portnix serve`) come from these ranges, less
  # the entries of ports.nix. grpc's range lies in the kernel's ephemeral range, so it has no
  # port to lease until the host reserves it (net.ipv4.ip_local_reserved_ports).
  pools = [ "rest-api" "grpc" "websocket" "database" "cache" "analytics" "security" "frontend" ];
  # gRPC's conventional ports are inside Linux's ephemeral range; the team accepts that.
  ignore."ephemeral-port" = [ "grpc" ];
}
