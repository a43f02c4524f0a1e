# Example 002's environments, with each component's own config kept in step by `portnix sync`.
{
  ranges = {
    production = { from = 8000; to = 8799; };
    development = { from = 9000; to = 9799; };
    test = { from = 7000; to = 7799; };
  };
  sync = [
    { file = "pourtier/config/production.yaml"; key = "server.port"; port = "production.pourtier"; }
    { file = "courier/config.toml"; key = "listen.port"; port = "production.courier"; }
    { file = "web/package.json"; key = "config.port"; port = "development.pourtier"; }
    { file = ".env"; key = "PASSEUR_PORT"; port = "production.passeur"; }
    # Anything else: a regular expression whose first group is the port (every match).
    { file = "Caddyfile"; pattern = "reverse_proxy localhost:([0-9]+)"; port = "production.pourtier"; }
  ];
}
