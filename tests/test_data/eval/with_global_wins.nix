with { map = 1; }; builtins.isFunction map
