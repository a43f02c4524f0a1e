# Seed 004 (SirsiNexus): ports grouped by service type, each type with its range.
{
  rest-api = { gateway = 8080; users = 8081; billing = 8082; };
  grpc = { orchestrator = 50051; agents = 50052; };
  websocket = { events = 8100; };
  database = { postgres = 5432; };
  cache = { redis = 6379; };
  analytics = { collector = 8200; };
  security = { vault = 8300; };
  frontend = { web = 3000; admin = 3001; };
}
