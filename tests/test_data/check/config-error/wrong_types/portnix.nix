{
  ranges.a = { from = "8000"; to = 8999; };
  reserved = { port = 22; };
  services.a = { protocol = "sctp"; openFirewall = "yes"; };
  ignore."duplicate-port" = [ "a" ];
}
