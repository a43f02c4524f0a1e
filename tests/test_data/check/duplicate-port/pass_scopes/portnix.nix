{ scopes = [ "hosts.*" ]; }
