# Two spans of one pattern that overlap, and a nested pattern that is inside neither span.
{
  ranges = {
    infrastructure = [ { from = 5000; to = 6000; } { from = 5900; to = 6999; } { from = 9001; to = 9999; } ];
    "infrastructure.db" = { from = 7000; to = 7999; };
  };
}
