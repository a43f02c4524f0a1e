# Seed 003 (NEURECTOMY): one 1000-port block per project, tiers inside each block.
{
  neurectomy = {
    app = { workspace = 16000; desktop = 16001; graphql = 16010; };
    api = { gateway = 16080; ml = 16081; core = 16082; websocket = 16083; };
    databases = { postgresql = 16432; timescale = 16433; neo4jHttp = 16474; neo4jBolt = 16475; };
    cache = { redis = 16500; natsClient = 16522; natsMonitoring = 16523; };
    observability = { prometheus = 16900; grafana = 16910; jaeger = 16920; };
  };
  sigmalang = {
    app = { ide = 26000; lsp = 26001; playground = 26010; };
    api = { compiler = 26080; runtime = 26081; debug = 26082; };
    infrastructure = { postgresql = 26432; redis = 26500; modelServer = 26600; };
    observability = { prometheus = 26900; grafana = 26910; };
  };
}
