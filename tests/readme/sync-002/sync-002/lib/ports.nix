# Seed 002 (Lumiere): production, development and test side by side on one host,
# each environment in its own range.
let
  components = { pourtier = 0; courier = 765; passeur = 766; };
  environment = base: builtins.mapAttrs (_: offset: base + offset) components;
in
{
  production = environment 8000;
  development = environment 9000;
  test = environment 7000;
}
