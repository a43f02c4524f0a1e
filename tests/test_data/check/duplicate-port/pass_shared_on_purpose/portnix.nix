{
  # The legacy app runs behind the proxy's port on another network namespace.
  services."legacy.http".shareWith = [ "proxy.http" ];
}
