"""Sources: the service that takes them in (door checks, jobs, delete) and the source guide."""
