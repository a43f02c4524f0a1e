{
  ranges = {
    production = { from = 8000; to = 8799; };
    development = { from = 9000; to = 9799; };
    test = { from = 7000; to = 7799; };
  };
  services = {
    "production.pourtier" = { description = "User Management API"; openFirewall = true; };
    "production.courier" = { description = "Event Bus (WebSocket)"; openFirewall = true; };
    "production.passeur" = { description = "Blockchain Bridge"; openFirewall = true; };
  };
  # docker-compose.<environment>.yaml publish each component 1:1 ("9000:9000"); one
  # definition serves every environment: `portnix gen compose --only development`.
  compose.services = {
    pourtier = { serves = [ "*.pourtier" ]; uses = [ "*.courier" ]; };
    courier = { serves = [ "*.courier" ]; };
    passeur = { serves = [ "*.passeur" ]; uses = [ "*.courier" ]; };
  };
}
