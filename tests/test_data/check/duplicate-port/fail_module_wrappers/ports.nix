# What nixpkgs' lib.mkDefault, mkForce and mkIf return, written out: a registry that uses them
# means their content, and a false mkIf means no entry at all.
let
  mkDefault = content: { _type = "override"; inherit content; priority = 1000; };
  mkForce = content: { _type = "override"; inherit content; priority = 50; };
  mkIf = condition: content: { _type = "if"; inherit condition content; };
in
{
  web = {
    admin = mkDefault 8081;
    api = mkForce (mkDefault { port = 8080; protocol = "udp"; });
    off = mkIf false 8081;
    on = mkIf true 8081;
  };
  metrics = mkIf true { exporter = 9100; };
}
