"""One module per route. Importing this package registers every page."""

from pages import home, login, notebook, register, settings  # noqa: F401
