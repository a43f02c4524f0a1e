let p = 8080; in ''
  listen ${toString p};
  server_name localhost;
''
