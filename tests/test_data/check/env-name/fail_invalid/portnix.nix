{
  services.web.env = "WEB-PORT";
}
