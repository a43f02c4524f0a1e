[ (dirOf "/a/b/c") (dirOf "/a") (dirOf "rel") ]
