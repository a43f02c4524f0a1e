{
  ranges = {
    "neurectomy" = { from = 16000; to = 16999; };
    "neurectomy.app" = { from = 16000; to = 16079; };
    "neurectomy.api" = { from = 16080; to = 16099; };
    "*.databases" = { from = 16400; to = 16499; };
  };
}
