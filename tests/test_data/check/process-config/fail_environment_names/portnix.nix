{
  processes.api = {
    command = "api";
    environment = {
      # Read by the process as DB_URL=postgres=//evil, that is DB_URL.
      "DB_URL=postgres" = "//evil";
      "LOG LEVEL" = "debug";
      RUST_LOG = "info";
    };
  };
}
