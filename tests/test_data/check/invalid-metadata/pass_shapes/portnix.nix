{
  # agrees with the leaf's own field: saying the same thing twice is allowed
  services."network.dns".protocol = "udp";
  # fields the leaf does not give come from the config
  services."network.dns".openFirewall = true;
  ignore."privileged-port" = [ "network.dns" "network.dnsOverTcp" ];
  ignore."ephemeral-port" = [ "network.wireguard" "network.mosh" ];
}
