{
  web-api = 8080;
  web.api = 8081;
}
