# A NixOS host with the anti-patterns of seed 001.
{ pkgs, ... }:
let
  ports = import ../../lib/ports.nix;
in
{
  services.postgresql = {
    enable = true;
    settings.port = 5432;
  };
  services.redis.servers.cache.port = ports.databases.redis;
  services.prometheus.exporters.node.port = 9100; # portnix: ignore (the exporter's own default)
  networking.firewall.allowedTCPPorts = [ 22 5432 ports.databases.redis ];
  systemd.services.api.script = "${pkgs.api}/bin/api --listen 127.0.0.1:3000 --port ${toString ports.development.api}";
  # redis on 6379 is mentioned in this comment only
  boot.kernel.sysctl."net.core.somaxconn" = 4096;
  environment.etc."version".text = "release 2.3000.1";
}
