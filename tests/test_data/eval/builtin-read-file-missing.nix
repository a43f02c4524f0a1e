builtins.readFile ./no-such-file.txt
