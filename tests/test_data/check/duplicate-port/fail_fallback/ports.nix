# Seed 000's fallback ports: each is a claim of its own, checked like any other.
{
  nlp = {
    api = { port = 3456; fallback = 13456; };
    worker = 3457;
  };
  web = { port = 8000; fallback = 3457; }; # takes nlp.worker's port
  big = { port = 9000; fallback = 70000; }; # not a port
  # A category with a service that happens to be called `fallback`: no metadata here.
  pair = { primary = 5000; fallback = 5001; };
}
