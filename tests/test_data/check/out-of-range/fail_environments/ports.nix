# Seed 002: environments side by side, each in its own range.
{
  production = { pourtier = 8000; courier = 8765; };
  development = { pourtier = 9000; courier = 8766; };
  test = { pourtier = 7000; courier = 7765; };
}
