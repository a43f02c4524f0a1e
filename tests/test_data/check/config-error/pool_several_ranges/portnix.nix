{
  # A pool is one span of ports that leases take from: a pattern with several spans cannot be one.
  ranges.ci = [ { from = 20000; to = 20999; } { from = 22000; to = 22999; } ];
  ranges.infrastructure = [ { from = 5000; to = 6999; } { port = "8080"; } ];
  pools = [ "ci" ];
}
