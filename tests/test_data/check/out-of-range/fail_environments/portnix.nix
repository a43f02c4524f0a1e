{
  ranges = {
    production = { from = 8000; to = 8799; };
    development = { from = 9000; to = 9799; };
    test = { from = 7000; to = 7799; };
  };
}
