# match and split as registries and nixpkgs lib use them: a port out of "host:port", the parts
# of a file name, splitting on separators, the POSIX longest match where alternatives differ.
with builtins;
{
  hostPort = match "([^:]+):([0-9]+)" "db.internal:5432";
  ipv6 = match "\\[([0-9a-f:]+)]:([0-9]+)" "[::1]:8080";
  noMatch = match "[0-9]+" "80a";
  optional = match "((.*)/)?([^/]*)\\.(nix|cc)" "foobar.cc";
  classes = match "[[:space:]]*([[:alnum:]_-]+)[[:space:]]*" "  web-api_2  ";
  bracket = match "[]a-]+" "a]-a";
  fields = split "[,;] *" "web, api;admin";
  longest = split "(a|ab)(c|bcd)?" "xabcdy";
  empty = split "x*" "ab";
  none = split "z" "abc";
}
