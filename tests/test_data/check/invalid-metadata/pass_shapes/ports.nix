# Leaves as real registries write them: metadata beside the port, protocols in either case,
# several ports of one service as a list, ranges with their own metadata.
{
  network = {
    dns = { port = 53; protocol = "udp"; description = "Unbound"; };
    dnsOverTcp = { port = 53; protocol = "TCP"; };
    syncthing = [ 22000 { port = 21027; protocol = "udp"; description = "discovery"; } ];
    wireguard = { port = 51820; protocol = "UDP"; openFirewall = true; interfaces = [ "wan0" ]; };
    mosh = { from = 60001; to = 60010; protocol = "udp"; description = "mosh sessions"; };
  };
  web = {
    nginx = { port = 8443; env = "HTTPS_PORT"; program = "nginx"; };
    status = { port = 8081; description = "status page"; shareWith = [ "web.statusAlias" ]; };
    statusAlias = 8081;
    # a category whose services are named like metadata fields: ints are never metadata
    program = 8100;
    env = { dev = 8200; prod = 8201; };
  };
}
