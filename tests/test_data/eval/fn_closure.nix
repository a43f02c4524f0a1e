let mk = base: off: base + off; web = mk 8000; in [ (web 80) (web 443) ]
