{
  rangez = { a = { from = 1; to = 2; }; };
  services.a = { protocl = "tcp"; };
}
