toString 5432
