"""Errors raised by the bank store, each with a stable ``code``."""

from __future__ import annotations

from consentry.errors import ConsentryError


class StoreError(ConsentryError):
    """Something about banks, entries or fingerprints is wrong."""

    code = "store-error"


class BankExists(StoreError):
    code = "bank-exists"


class UnknownBank(StoreError):
    code = "unknown-bank"


class UnknownEntry(StoreError):
    code = "unknown-entry"


class InvalidBankName(StoreError):
    code = "invalid-bank-name"


class InvalidRadius(StoreError):
    code = "invalid-radius"


class InvalidKind(StoreError):
    code = "invalid-kind"


class InvalidEntryFingerprint(StoreError):
    """A fingerprint handed to the store has an unknown type or a malformed value."""

    code = "invalid-fingerprint"


class InvalidEntry(StoreError):
    """An entry is malformed as a whole (no fingerprints, label too long...)."""

    code = "invalid-entry"


class StoreUnreadable(StoreError):
    """The database file cannot be opened: not a database, damaged, or no permission."""

    code = "store-unreadable"


class InvalidAction(StoreError):
    """A bank's action hint is not one of "block", "review", "allow"."""

    code = "invalid-action"


class InvalidVerdict(StoreError):
    code = "invalid-verdict"


class UnknownPartner(StoreError):
    code = "unknown-partner"
