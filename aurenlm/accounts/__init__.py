"""Accounts: password reset by mail, password change, devices of sessions, the account's data export and deletion."""
