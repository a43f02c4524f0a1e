{ vpn.wireguard = 51820; }
