{
  text = builtins.readFile ./read-file-fixture.toml;
  viaString = builtins.readFile (toString ./read-file-fixture.toml);
  exists = map builtins.pathExists [ ./read-file-fixture.toml ./missing.txt ./read-dir-fixture ./read-dir-fixture/link ];
  asWritten = builtins.pathExists (toString ./read-file-fixture.toml + "/");
  dir = builtins.readDir ./read-dir-fixture;
  toPath = builtins.toPath (toString ./read-dir-fixture + "/./sub/../a.txt") == toString ./read-dir-fixture/a.txt;
}
