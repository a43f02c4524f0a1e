{ vpn.wireguard = 51820; app = 8000; }
