# Seed 003's own table: the API tier lies inside the application tier's range.
{ neurectomy = { app.workspace = 16000; api.gateway = 16080; }; }
