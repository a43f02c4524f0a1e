{ ... }: { services.ml.port = 16081; }
