{
  hosts.alpha = { web = 8443; metrics = 9100; };
  hosts.beta = { web = 8443; metrics = 9100; };
}
