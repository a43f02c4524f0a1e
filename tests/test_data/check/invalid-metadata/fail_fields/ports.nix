{
  dns = { port = 5353; protocl = "udp"; };
  status = { port = 8080; check = "/status"; };
  sctp = { port = 9899; protocol = "sctp"; };
  firewall = { port = 9000; openFirewall = "yes"; };
  twoServices = { port = 7000; admin = 7001; };
  numbered = { number = 22000; protocol = "TCP"; };
  listItem = [ 6000 { port = 6001; descripton = "typo in a list item"; } ];
}
