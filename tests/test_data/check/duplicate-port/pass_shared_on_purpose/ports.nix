{
  proxy = { http = 8000; };
  legacy = { http = 8000; };
}
