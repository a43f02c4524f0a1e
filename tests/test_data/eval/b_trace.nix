builtins.trace "message" 5
