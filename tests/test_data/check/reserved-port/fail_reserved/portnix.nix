{
  reserved = [
    { port = 8080; reason = "common HTTP alternative"; }
    { from = 3000; to = 3010; reason = "common Node.js apps"; }
    { port = 5432; reason = "PostgreSQL default"; allow = [ "app.db" ]; }
  ];
}
