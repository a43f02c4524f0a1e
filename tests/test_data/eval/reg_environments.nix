let
  mk = offset: { api = offset + 0; web = offset + 1; db = offset + 2; };
in {
  production = mk 8000;
  development = mk 9000;
  test = mk 7000;
}
