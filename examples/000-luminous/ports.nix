# Seed 000 (Luminous Nix): its own services, ports owned by other projects of the ecosystem,
# and test-only servers, in one registry.
{
  luminous = {
    nlpApi = 3456;
    websocket = 3457;
    learningGui = 3458;
    metrics = 3459;
    devServer = 8080; # webpack, dev only
    tauriDev = 8081; # dev only
  };

  # Owned by other projects; listed so that nothing here takes them.
  ecosystem = {
    weave = 3001;
    sacredCore = 3333;
    fieldVisualizer = 3338;
    sacredBridge = 7777;
    codex = 8080;
  };

  testing = {
    testServer = 9000;
    mockNixosApi = 9001;
    websocketTest = 9002;
    storybook = 6006;
  };
}
