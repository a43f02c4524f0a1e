{
  processes.web = {
    comand = "serve";
    serves = [ "web" ];
    availability.restart = "on_failur";
    readiness = { period_seconds = -1; };
    is_daemon = "yes";
  };
}
