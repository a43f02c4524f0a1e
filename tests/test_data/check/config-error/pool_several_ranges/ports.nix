{ ci.runner = 20001; infrastructure.db = 5432; }
