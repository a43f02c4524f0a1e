(import ./imported/dir).fromDefault
