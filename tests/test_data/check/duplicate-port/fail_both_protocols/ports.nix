{
  dns = 53;
  mdns = 53;
  dnsOverTcp = 53;
}
