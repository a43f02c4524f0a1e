{ zeta = 1; alpha = 2; Mid = 3; "_under" = 4; "1num" = 5; }
