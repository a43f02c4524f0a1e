baseNameOf (dirOf ./a/b/c)
