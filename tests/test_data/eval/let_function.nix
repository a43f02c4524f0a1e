let double = x: x * 2; in double 21
