"""Data access, one module per aggregate. Every function takes the acting user first and scopes by it."""

from aurenlm.repos import audit, messages, notebooks, sources, users

__all__ = ['audit', 'messages', 'notebooks', 'sources', 'users']
