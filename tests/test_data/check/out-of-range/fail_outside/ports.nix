{
  databases = {
    postgresql = 5432;
    redis = 6379;
  };
}
