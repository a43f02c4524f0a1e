''  text on first line
  next''
