{
  syncthing = [ 22000 21027 ];
  relay = 22000;
  twice = [ 9000 9000 ];
}
