({ a ? throw "unused" }: a) { a = 2; }
