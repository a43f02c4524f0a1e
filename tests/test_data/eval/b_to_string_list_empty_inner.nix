toString [ 1 [ ] 2 ]
