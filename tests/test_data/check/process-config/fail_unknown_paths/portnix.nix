{
  processes.web = { command = "web"; serves = [ "app.wbe" ]; uses = [ "app.db" ]; };
}
