{
  app = { web = 8080; db = 5432; admin = 3005; };
}
