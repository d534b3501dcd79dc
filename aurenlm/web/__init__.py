"""HTTP routes that are not pages: health, readiness, the REST API, downloads."""
