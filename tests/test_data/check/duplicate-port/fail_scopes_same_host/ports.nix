{
  hosts.alpha = { web = 8443; admin = 8443; };
  hosts.beta = { web = 8443; };
}
