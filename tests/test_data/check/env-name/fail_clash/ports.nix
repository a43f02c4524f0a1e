{
  web-api = 8080;
  web.api = 8081;
  grafana = 3000;
  metrics = 9090;
}
