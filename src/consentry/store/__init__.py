"""Banks of fingerprints in an embedded SQLite store (``home/consentry.db``).

Only fingerprints and the metadata people give them (label, note) are stored, never
media. The schema is created and upgraded by Alembic migrations shipped in this
package, applied on :meth:`Store.open`.
"""

from consentry.store.errors import (
    BankExists,
    InvalidBankName,
    InvalidEntry,
    InvalidEntryFingerprint,
    InvalidKind,
    InvalidRadius,
    StoreError,
    StoreUnreadable,
    UnknownBank,
    UnknownEntry,
)
from consentry.store.records import Bank, Entry, Fingerprint, NewEntry
from consentry.store.store import DB_FILENAME, Store
from consentry.store.validation import BANK_KINDS, MAX_RADIUS

__all__ = [
    "BANK_KINDS",
    "DB_FILENAME",
    "MAX_RADIUS",
    "Bank",
    "BankExists",
    "Entry",
    "Fingerprint",
    "InvalidBankName",
    "InvalidEntry",
    "InvalidEntryFingerprint",
    "InvalidKind",
    "InvalidRadius",
    "NewEntry",
    "Store",
    "StoreError",
    "StoreUnreadable",
    "UnknownBank",
    "UnknownEntry",
]
