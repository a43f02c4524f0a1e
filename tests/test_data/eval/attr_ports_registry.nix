{
  infrastructure = { ssh = 22; nodeExporter = 9100; };
  databases = { postgresql = 5432; redis = 6379; };
  ranges.dev = { from = 3000; to = 3999; };
}
