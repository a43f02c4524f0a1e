builtins.toJSON "quote\" tab\t nl\n"
