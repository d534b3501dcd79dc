"""Data access, one module per aggregate. Every function takes the acting user first and scopes by it
(`scope.py` says how); the few that a job calls as the system say so in their names and scope by the job's notebook.
"""

from aurenlm.repos import artifacts, audit, members, messages, notebooks, notes, sources, users

__all__ = ['artifacts', 'audit', 'members', 'messages', 'notebooks', 'notes', 'sources', 'users']
