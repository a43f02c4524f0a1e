(x: 1) (throw "lazy")
