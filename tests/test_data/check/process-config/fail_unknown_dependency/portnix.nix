{
  processes.web = { command = "web"; depends_on.apii = "process_started"; };
  processes.api = { command = "api"; };
}
