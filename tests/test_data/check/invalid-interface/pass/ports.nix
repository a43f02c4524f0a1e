{ infra = { nodeExporter = 9100; grafana = 3000; }; }
