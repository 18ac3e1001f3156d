"""Banks of fingerprints in SQLite (``home/consentry.db``) or PostgreSQL (``open_url``).

Only fingerprints and the metadata people give them (label, note) are stored, never
media. The schema is created and upgraded by Alembic migrations shipped in this
package, applied on :meth:`Store.open`.
"""

from consentry.store.audit_log import ACTIONS, AuditError
from consentry.store.errors import (
    BankExists,
    InvalidAction,
    InvalidBankName,
    InvalidEntry,
    InvalidEntryFingerprint,
    InvalidKind,
    InvalidRadius,
    InvalidVerdict,
    StoreError,
    StoreUnreadable,
    UnknownBank,
    UnknownEntry,
    UnknownPartner,
)
from consentry.store.records import AuditEvent, Bank, Change, Entry, Fingerprint, NewEntry
from consentry.store.store import DB_FILENAME, Store
from consentry.store.validation import BANK_ACTIONS, BANK_KINDS, MAX_RADIUS, VERDICTS

__all__ = [
    "ACTIONS",
    "BANK_ACTIONS",
    "BANK_KINDS",
    "DB_FILENAME",
    "MAX_RADIUS",
    "VERDICTS",
    "AuditError",
    "AuditEvent",
    "Bank",
    "BankExists",
    "Change",
    "Entry",
    "Fingerprint",
    "InvalidAction",
    "InvalidBankName",
    "InvalidEntry",
    "InvalidEntryFingerprint",
    "InvalidKind",
    "InvalidRadius",
    "InvalidVerdict",
    "NewEntry",
    "Store",
    "StoreError",
    "StoreUnreadable",
    "UnknownBank",
    "UnknownEntry",
    "UnknownPartner",
]
