{
  ranges."rest-api" = { from = 8080; to = 8099; };
  # A typo'd pool would lease nothing; it is an error, in Rust and in Nix alike.
  pools = [ "rest-apii" "rest-api" ];
}
