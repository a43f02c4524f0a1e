{ extraFields = [ "check" "interval" ]; }
