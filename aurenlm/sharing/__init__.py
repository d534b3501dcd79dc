"""Sharing: who is in a notebook and what their role lets them do.

`roles` is the table of capabilities per role, `access` the one check every server-side path makes, and `service`
the Share dialog's and the members API's actions (invite, change role, remove, transfer, leave).
"""
