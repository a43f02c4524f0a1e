# The seed's tables as ranges. Its application tier (x000-x099) contains its API tier
# (x080-x099), and its "Infrastructure (26400-26499)" lists Redis at 26500.
{
  ranges = {
    neurectomy = { from = 16000; to = 16999; };
    "neurectomy.app" = { from = 16000; to = 16099; };
    "neurectomy.api" = { from = 16080; to = 16099; };
    "neurectomy.databases" = { from = 16400; to = 16499; };
    "neurectomy.cache" = { from = 16500; to = 16599; };
    "neurectomy.observability" = { from = 16900; to = 16999; };
    sigmalang = { from = 26000; to = 26999; };
    "sigmalang.app" = { from = 26000; to = 26079; };
    "sigmalang.api" = { from = 26080; to = 26099; };
    "sigmalang.infrastructure" = { from = 26400; to = 26499; };
    "sigmalang.observability" = { from = 26900; to = 26999; };
  };
  reserved = [
    { from = 1; to = 1023; reason = "system/well-known"; }
    { from = 1024; to = 3000; reason = "common apps (may conflict)"; }
    { port = 3306; reason = "MySQL default"; }
    { port = 5432; reason = "PostgreSQL default"; }
    { port = 5672; reason = "RabbitMQ default"; }
    { port = 6379; reason = "Redis default"; }
    { port = 8080; reason = "common HTTP alt"; }
    { port = 8443; reason = "common HTTPS alt"; }
    { port = 9090; reason = "Prometheus default"; }
    { port = 27017; reason = "MongoDB default"; }
  ];
}
