let p = 5432; in assert p > 1024; assert p < 65536; p
