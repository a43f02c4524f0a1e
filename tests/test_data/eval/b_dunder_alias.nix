__length [ 1 2 ]
