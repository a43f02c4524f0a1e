{
  media = { from = 8000; to = 8099; };
  # an end before its start is not a block, and a start without its end is just a name
  backwards-start = 9010;
  backwards-end = 9000;
  kickstart = 7000;
  restart = 7001;
}
