{
  zero = 0;
  negative = -1;
  tooBig = 70000;
  text = "5432";
  float = 80.5;
  nested = [ 80 [ 443 ] ];
  noPorts = [ ];
  empty = { from = 10; to = 5; };
  halfRange = { from = 2000; };
  portText = { port = "8080"; description = "a quoted port"; };
  portAndRange = { port = 3000; from = 3000; to = 3010; };
  noPort = { protocol = "udp"; description = "forgot the port"; };
  fine = 8000;
}
