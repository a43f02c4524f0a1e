# 7000 falls between the band's spans; 9050 is inside one and passes.
{ infrastructure = { minio = 7000; loki = 9050; }; }
