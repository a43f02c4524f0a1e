{ rest-api.gateway = 8081; }
