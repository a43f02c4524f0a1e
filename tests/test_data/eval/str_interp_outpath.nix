let s = { outPath = "/some/where"; }; in "${s}/bin"
