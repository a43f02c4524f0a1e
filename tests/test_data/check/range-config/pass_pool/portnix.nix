{
  # No entry lies in it, and none should: its ports are leased at run time.
  ranges.previews = { from = 24000; to = 24099; };
  pools = [ "previews" ];
}
