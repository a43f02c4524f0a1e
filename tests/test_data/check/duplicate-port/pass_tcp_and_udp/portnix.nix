{ services.syslogUdp.protocol = "udp"; }
