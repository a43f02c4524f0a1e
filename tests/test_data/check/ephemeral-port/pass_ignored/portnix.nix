{ ignore."ephemeral-port" = [ "vpn" ]; services."vpn.wireguard".protocol = "udp"; }
