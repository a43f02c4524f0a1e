# Seed 002's infrastructure band, "5000-6999, 8080, 9001+", and a legacy port kept with a reason.
{
  infrastructure = {
    postgres = 5432;
    gateway = 8080;
    prometheus = 9090;
    legacyMetrics = { port = 7070; outsideRange = "old dashboards still scrape 7070; moves in Q3"; };
  };
}
