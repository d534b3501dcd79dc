"""Notes: the service, versions and word diffs."""
