{
  processes = {
    a = { command = "a"; depends_on.b = "process_started"; };
    b = { command = "b"; depends_on.c = "process_started"; };
    c = { command = "c"; depends_on.a = "process_started"; };
  };
}
