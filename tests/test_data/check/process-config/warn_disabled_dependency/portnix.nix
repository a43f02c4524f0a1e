{
  processes = {
    db = { command = "db"; serves = [ "app.db" ]; disabled = true; };
    api = { command = "api"; serves = [ "app.api" ]; depends_on.db = "process_started"; };
  };
}
