{
  # 5353/udp and 5353/tcp are two sockets: the protocols come from the leaves themselves
  mdns = { port = 5353; protocol = "udp"; };
  mdnsTcp = { port = 5353; protocol = "tcp"; };
  syncthing = [ { port = 22000; protocol = "tcp"; } { port = 22000; protocol = "udp"; } ];
}
