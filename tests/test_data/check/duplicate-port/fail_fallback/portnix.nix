# A fallback from the config takes nlp.api's fallback.
{ services."nlp.worker".fallback = 13456; }
