{
  services.dns = { protocol = "tcp"; description = "mDNS"; };
  services.api.env = "BACKEND_PORT";
  # a wildcard rule is a default for the category, not a second statement about the entry
  services."*".protocol = "both";
}
