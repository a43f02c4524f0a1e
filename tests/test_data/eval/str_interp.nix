let port = "5432"; in "postgres://localhost:${port}/db"
