# match with a repeated group that captures: the last iteration is reported (nixpkgs'
# lib.strings uses `[[:alpha:]_][[:alnum:]_]*(\.[[:alpha:]_][[:alnum:]_]*)*` for attribute paths).
with builtins;
{
  attrPath = match "[[:alpha:]_][[:alnum:]_]*(\\.[[:alpha:]_][[:alnum:]_]*)*" "services.web.port";
  single = match "[[:alpha:]_][[:alnum:]_]*(\\.[[:alpha:]_][[:alnum:]_]*)*" "services";
  skipped = match "((a)|b)+" "ab";
  nested = match "(a(b)?)+" "aba";
}
