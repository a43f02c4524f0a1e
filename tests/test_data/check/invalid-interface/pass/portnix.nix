{ services."infra.nodeExporter" = { openFirewall = true; interfaces = [ "tailscale0" "enp0s31f6.1001" ]; }; }
