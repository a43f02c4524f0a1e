{ infrastructure.ssh = 22; }
