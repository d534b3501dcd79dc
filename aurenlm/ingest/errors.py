"""The one error ingestion raises: its message is shown to the user and says what to do next."""

from __future__ import annotations


class IngestError(Exception):
    """A source could not be taken in. `message` is user-facing; `code` is for APIs and logs."""

    def __init__(self, message: str, *, code: str = 'invalid') -> None:
        super().__init__(message)
        self.message = message
        # stable, machine-readable reason: empty | unsupported | mismatch | too_large | too_many_words | encrypted |
        # corrupt | no_text | not_text | zip_bomb | fetch | refused_address | infected | scanner_unavailable | invalid
        self.code = code

    def __str__(self) -> str:
        return self.message
