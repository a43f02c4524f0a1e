{
  services.metrics.env = "GRAFANA_PORT";
}
