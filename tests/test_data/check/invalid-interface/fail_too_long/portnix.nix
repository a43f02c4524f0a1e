{ services."infra.nodeExporter" = { openFirewall = true; interfaces = [ "tailscale-office-vpn" "eth0" ]; }; services."infra.grafana" = { openFirewall = true; interfaces = [ "wg 0" ]; }; }
