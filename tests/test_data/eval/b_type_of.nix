[ (builtins.typeOf 1) (builtins.typeOf 1.0) (builtins.typeOf "s") (builtins.typeOf null) (builtins.typeOf true) (builtins.typeOf [ ]) (builtins.typeOf { }) (builtins.typeOf ./p) ]
