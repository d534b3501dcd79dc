"""One module per route. Importing this package registers every page."""

from pages import admin, forgot, home, login, notebook, register, reset, settings  # noqa: F401
