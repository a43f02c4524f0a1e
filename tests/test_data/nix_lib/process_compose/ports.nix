# Every shape `processCompose` must turn into what `gen process-compose` writes.
{
  app = { api = 3000; web = 3001; metrics = 9464; dns = 5353; };
  sync = [ 22000 21027 ];
  pool = { from = 9500; to = 9599; };
  db = { port = 5432; env = "PGPORT"; };
}
