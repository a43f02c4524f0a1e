# Seed 003: a block per project, tiers inside it.
{
  neurectomy = {
    app.workspace = 16000;
    api.gateway = 16080;
    databases.postgresql = 16432;
  };
}
