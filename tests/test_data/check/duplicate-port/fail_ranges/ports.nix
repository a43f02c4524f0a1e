{
  pool = { from = 9500; to = 9599; };
  inside = 9510;
  overlapping = { from = 9590; to = 9620; };
  apart = 9700;
}
