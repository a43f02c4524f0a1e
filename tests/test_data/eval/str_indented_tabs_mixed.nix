''
    deep
  shallow
''
