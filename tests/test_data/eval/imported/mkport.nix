{ base, offset ? 80 }:
{
  http = base + offset;
  https = base + 443;
}
