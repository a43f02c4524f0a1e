# fromTOML on a registry-like document: tables, arrays of tables, every integer notation.
(builtins.fromTOML ''
  [web]
  api = 8080
  admin = 0x1F90
  ports = [ 1, 2, 0o17, 0b101 ]
  [[hosts]]
  name = "a"
  [[hosts]]
  name = "b"
  weight = 1.5
'') // { file = builtins.fromTOML (builtins.readFile ./read-file-fixture.toml); }
