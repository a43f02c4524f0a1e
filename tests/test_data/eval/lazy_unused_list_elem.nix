builtins.elemAt [ 1 (throw "lazy") ] 0
