# A nested range inside the second span of its parent, and another pattern between the spans.
{
  ranges = {
    infrastructure = [ { from = 5000; to = 6999; } { from = 8080; to = 8080; } { from = 9001; to = 9999; } ];
    "infrastructure.db" = { from = 5400; to = 5499; };
    apps = { from = 7000; to = 7999; };
  };
}
