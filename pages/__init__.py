"""One module per route. Importing this package registers every page."""

from pages import (  # noqa: F401
    account_deleted,
    admin,
    forgot,
    home,
    invite,
    login,
    notebook,
    register,
    reset,
    settings,
    two_factor,
)
