{
  # the block of range-spelling's fixture, written as a range: the port inside is caught
  media = { from = 8000; to = 8099; description = "transcoders"; };
  inside = 8050;
}
