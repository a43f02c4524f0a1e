[ (builtins.isInt 1) (builtins.isFloat 1) (builtins.isString "") (builtins.isBool null) (builtins.isList [ ]) (builtins.isAttrs { }) (builtins.isFunction map) (isNull null) (builtins.isPath "/x") ]
