# Seed 000: the dev server and the Codex registry both took 8080.
{
  luminous = {
    api = 3456;
    websocket = 3457;
    devServer = 8080;
  };
  ecosystem = {
    weave = 3001;
    codex = 8080;
  };
}
