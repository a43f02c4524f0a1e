{
  media = { start = 8000; end = 8099; };
  inside = 8050;
  relay-start = 9000;
  relay-end = 9010;
  rtp_start = 10000;
  rtp_end = 10100;
  turnStart = 49152;
  turnEnd = 49200;
}
