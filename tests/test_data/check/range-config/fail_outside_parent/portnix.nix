{
  ranges = {
    neurectomy = { from = 16000; to = 16999; };
    "neurectomy.app" = { from = 16000; to = 16099; };
    "neurectomy.api" = { from = 16080; to = 17099; };
  };
}
