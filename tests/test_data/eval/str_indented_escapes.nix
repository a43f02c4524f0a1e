''
  a ''${b} c
  d '''e
  f ''\n g
''
