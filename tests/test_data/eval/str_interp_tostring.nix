let p = 6379; in "redis-server --port ${toString p}"
