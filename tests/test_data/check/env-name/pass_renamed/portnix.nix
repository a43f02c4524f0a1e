{
  services."web.api".env = "INNER_API_PORT";
}
