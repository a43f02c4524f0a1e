# An exception from the range says why; an empty reason, or one that is not text, is refused.
{
  infrastructure = {
    legacy = { port = 7070; outsideRange = ""; };
    other = { port = 7071; outsideRange = true; };
  };
}
