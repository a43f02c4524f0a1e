({ a ? throw "needed" }: a) { }
