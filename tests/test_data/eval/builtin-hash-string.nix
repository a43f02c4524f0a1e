map (t: builtins.hashString t "port 8080\n") [ "md5" "sha1" "sha256" "sha512" ]
  ++ [ (builtins.hashString "sha256" "") (builtins.hashFile "sha1" ./read-file-fixture.toml) ]
