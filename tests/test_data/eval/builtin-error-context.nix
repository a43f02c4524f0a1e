# addErrorContext is its second argument; the first is forced only on an error (nixpkgs' module
# system wraps every option's value in it).
with builtins;
{
  value = addErrorContext "while evaluating the port" 8080;
  lazy = addErrorContext (throw "never forced") "ok";
  caught = (tryEval (addErrorContext "context" (throw "inner"))).success;
}
