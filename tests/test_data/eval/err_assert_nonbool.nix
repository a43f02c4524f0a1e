assert 1; 3
