{ processes.dns = { command = "dnsd"; readiness.entry = "app.dns"; }; processes.worker = { command = "worker"; readiness.path = "/health"; }; services."app.dns".protocol = "udp"; }
