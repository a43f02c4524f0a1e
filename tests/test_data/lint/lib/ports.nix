{
  databases = { postgresql = 5432; redis = 6379; };
  development.api = 3000;
  infrastructure.nodeExporter = 9100;
}
