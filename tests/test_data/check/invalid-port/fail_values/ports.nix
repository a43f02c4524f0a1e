{
  zero = 0;
  negative = -1;
  tooBig = 70000;
  text = "5432";
  float = 80.5;
  list = [ 80 443 ];
  empty = { from = 10; to = 5; };
  extra = { from = 1000; to = 1010; note = "x"; };
  halfRange = { from = 2000; };
  fine = 8000;
}
