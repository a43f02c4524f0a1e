{
  # "Reserved ranges to avoid" from the seed; the ecosystem's own services live there.
  reserved = [
    { from = 3000; to = 3010; reason = "common Node.js apps"; allow = [ "ecosystem" ]; }
    { from = 8000; to = 8090; reason = "common development servers"; allow = [ "ecosystem" ]; }
    { from = 5000; to = 5010; reason = "common Python/Flask apps"; }
    { from = 4200; to = 4210; reason = "Angular development"; }
    { port = 3306; reason = "MySQL default"; }
    { port = 5432; reason = "PostgreSQL default"; }
    { port = 6379; reason = "Redis default"; }
  ];
  services = {
    "luminous.nlpApi" = { description = "Main REST API for intent processing"; openFirewall = true; env = "NLP_API_PORT"; owner = "luminous-core"; status = "active"; fallback = 13456; };
    "luminous.websocket" = { description = "Real-time voice/text streaming"; openFirewall = true; env = "WEBSOCKET_PORT"; fallback = 13457; };
    "luminous.learningGui" = { description = "Progressive interface server"; env = "LEARNING_GUI_PORT"; status = "planned"; };
    "luminous.metrics" = { description = "Local metrics collection"; env = "METRICS_PORT"; };
    "luminous.devServer" = { description = "Webpack dev server"; status = "dev only"; };
    "luminous.tauriDev" = { description = "Desktop app development"; };
    "ecosystem.codex" = { description = "Glyph registry (03-integral-wisdom)"; };
  };
  # The docker-compose.yml services and the ports they publish ("3456:3456").
  compose.services = {
    nlp-api = { serves = [ "luminous.nlpApi" ]; };
    websocket = { serves = [ "luminous.websocket" ]; uses = [ "luminous.nlpApi" ]; };
    learning-gui = { serves = [ "luminous.learningGui" ]; uses = [ "luminous.nlpApi" "luminous.websocket" ]; };
  };
}
