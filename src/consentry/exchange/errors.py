"""Errors of the import/export stage."""

from __future__ import annotations

from consentry.errors import ConsentryError


class ExchangeError(ConsentryError):
    """A fingerprint file cannot be read or written at all (per-line problems are reported)."""

    code = "exchange-error"


class UnknownFormat(ExchangeError):
    code = "unknown-format"


class UnreadableFile(ExchangeError):
    code = "unreadable"


class FileTooLarge(ExchangeError):
    code = "too-large"
