"""Security: passwords, sessions, API tokens, rate limits, upload checks and HTTP headers."""
