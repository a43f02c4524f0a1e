{
  ranges.infrastructure = [ { from = 5000; to = 6999; } { port = 8080; } { from = 9001; to = 9999; } ];
}
