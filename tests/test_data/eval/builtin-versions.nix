# compareVersions, splitVersion and parseDrvName, with Nix's component rules: digits, `pre`
# before anything, `2.3a` before `2.3.1`, and numbers too large for an int compared as text.
let
  pairs = [ [ "1.0" "1.0pre" ] [ "2.3a" "2.3.1" ] [ "1.2" "1.2.0" ] [ "99999999999" "1" ] [ "a" "b" ]
    [ "1.0-rc1" "1.0" ] [ "" "1" ] [ "1..2" "1.2" ] [ "2.0pre3" "2.0pre10" ] [ "é1" "é2" ] ];
in
{
  compared = map (p: builtins.compareVersions (builtins.elemAt p 0) (builtins.elemAt p 1)) pairs;
  split = map builtins.splitVersion [ "1.2.3pre-4_a..b" "" "..-" "10abc20" "a-b.c" ];
  names = map builtins.parseDrvName [ "hello-2.10" "nix-unstable-2022" "plain" "a-b-1" "x-" "-1" ];
}
