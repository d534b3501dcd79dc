"""One module per route. Importing this package registers every page."""

from pages import account_deleted, admin, forgot, home, login, notebook, register, reset, settings, two_factor  # noqa: F401
