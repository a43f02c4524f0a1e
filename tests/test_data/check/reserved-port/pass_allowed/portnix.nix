{ reserved = [ { from = 1; to = 1023; reason = "system ports"; allow = [ "infrastructure.ssh" ]; } ]; }
