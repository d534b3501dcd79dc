"""AurenLM: a self-hosted, source-grounded AI notebook. Everything here is UI-free."""

__version__ = '0.1.0'
