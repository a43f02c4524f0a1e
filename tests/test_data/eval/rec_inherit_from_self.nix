rec { set = { x = 5; }; inherit (set) x; }
