{
  ranges = {
    databases = { from = 5000; to = 5999; };
    caches = { from = 5500; to = 6999; };
  };
}
