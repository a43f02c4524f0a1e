let
  base = 8000;
in {
  web = { http = base + 80; https = base + 443; };
  api = base + 1;
}
