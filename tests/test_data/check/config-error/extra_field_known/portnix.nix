{ extraFields = [ "protocol" 7 ]; }
