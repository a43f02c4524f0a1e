[ (true -> false) (false -> throw "lazy") (true -> true) ]
