{
  cat = {
    a = 20000; # note
  };
}
