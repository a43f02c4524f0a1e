let nats = n: [ n ] ++ (if n > 5 then [ ] else nats (n + 1)); in nats 0
