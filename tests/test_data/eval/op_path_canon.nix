baseNameOf ./a/../b/./c
