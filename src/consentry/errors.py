"""The one error type every Consentry stage raises for bad input.

Each error carries a stable machine-readable ``code`` (used in JSON output, exit
codes and API bodies) and a human ``message`` that says what is wrong and, where
there is one, what to do about it.
"""

from __future__ import annotations


class ConsentryError(Exception):
    """Base error: a stable ``code`` and a plain-language ``message``."""

    code: str = "error"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code

    def to_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}

    def __str__(self) -> str:
        return self.message
