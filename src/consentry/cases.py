"""Cases: a person at risk registers fingerprints of their images, never the images.

A case gets a public id (``c_`` + 22 URL-safe characters) and a secret shown once; only
a slow, salted hash of the secret is stored. With both, the person can see the case,
add fingerprints, or withdraw it, which deletes its entries and fingerprints for good
(a "remove" goes into the change log, so every live index and sync follower drops them).

A wrong secret and an unknown case look the same ("case-not-found"), and take the same
time. After ``max_failures`` wrong secrets in a row a case is locked for ``lock_seconds``.
"""

from __future__ import annotations

import secrets as random_source
from collections.abc import Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from consentry.errors import ConsentryError
from consentry.secrets import dummy_verify, hash_secret, new_secret, verify_secret
from consentry.store import BankExists, NewEntry, Store, UnknownBank
from consentry.store.audit_log import write_audit
from consentry.store.errors import InvalidEntryFingerprint
from consentry.store.models import BankRow, CaseRow, EntryRow, FingerprintRow
from consentry.store.store import delete_entries, insert_entries
from consentry.store.validation import canonical_fingerprint

CASE_FINGERPRINT_TYPES = ("pdq", "md5", "sha256", "vpdq", "regions")
CASE_LABELS = ("intimate", "fake-of-me", "protected-public-photo", "other")
CASE_BANK_RADIUS = 31
PUBLIC_ID_PREFIX = "c_"
_PUBLIC_ID_CHARS = 22
_MAX_ID_CHARS = 64

# The HTTP status each error code maps to (the service uses this table).
CASE_ERROR_STATUS = {
    "case-not-found": 404,
    "case-locked": 429,
    "too-many-fingerprints": 422,
    "invalid-fingerprint": 422,
    "case-withdrawn": 409,
}


class CaseError(ConsentryError):
    """Codes: case-not-found, case-locked, too-many-fingerprints, invalid-fingerprint,
    case-withdrawn (see ``CASE_ERROR_STATUS``)."""

    code = "case-error"

    def __init__(self, message: str, *, code: str, retry_after: int | None = None) -> None:
        super().__init__(message, code=code)
        self.retry_after = retry_after

    @property
    def http_status(self) -> int:
        return CASE_ERROR_STATUS.get(self.code, 400)


@dataclass(frozen=True)
class CaseReceipt:
    """What a person must keep: shown once, the secret is not stored anywhere."""

    case_id: str
    secret: str

    def to_json(self) -> dict[str, str]:
        return {"case_id": self.case_id, "secret": self.secret}

    def __repr__(self) -> str:  # never put the secret into a log by accident
        return f"CaseReceipt(case_id={self.case_id!r}, secret='***')"


@dataclass(frozen=True)
class CaseStatus:
    case_id: str
    status: str
    fingerprint_count: int
    created_at: datetime

    def to_json(self) -> dict[str, object]:
        return {
            "case_id": self.case_id,
            "status": self.status,
            "fingerprint_count": self.fingerprint_count,
            "created_at": self.created_at.isoformat(),
        }


@dataclass(frozen=True)
class _Item:
    fingerprint: tuple[str, str]
    label: str | None


class Cases:
    """Create, read, extend and withdraw cases in ``bank`` (created on first use)."""

    def __init__(
        self,
        store: Store,
        *,
        bank: str = "cases",
        max_fingerprints: int = 200,
        max_failures: int = 10,
        lock_seconds: int = 900,
    ) -> None:
        self.store = store
        self.bank = bank
        self.max_fingerprints = max_fingerprints
        self.max_failures = max_failures
        self.lock_seconds = lock_seconds

    # -- the four operations --------------------------------------------------------------

    def create(self, fingerprints: Sequence[Mapping[str, object]]) -> CaseReceipt:
        items = self._parse(fingerprints)
        if not items:
            raise CaseError("a case needs at least one fingerprint", code="invalid-fingerprint")
        self._check_cap(len(items))
        self._ensure_bank()
        secret = new_secret()
        secret_hash = hash_secret(secret)  # slow: done before taking the write lock
        public_id = PUBLIC_ID_PREFIX + random_source.token_urlsafe(16)
        now = datetime.now(UTC)
        with self.store.writing() as session:
            bank = self._bank_row(session)
            case = CaseRow(
                public_id=public_id,
                secret_hash=secret_hash,
                bank_id=bank.id,
                status="active",
                created_at=now,
                updated_at=now,
                failed_attempts=0,
                locked_until=None,
            )
            session.add(case)
            session.flush()
            ids = _insert_items(session, bank, case.id, items)
            write_audit(
                session,
                f"case:{public_id}",
                "case.created",
                public_id,
                {"fingerprints": len(ids)},
            )
        return CaseReceipt(case_id=public_id, secret=secret)

    def status(self, case_id: str, secret: str) -> CaseStatus:
        self._authorise(case_id, secret)
        with self.store.reading() as session:
            case = _case_row(session, case_id)
            return _status_view(session, case)

    def add(
        self, case_id: str, secret: str, fingerprints: Sequence[Mapping[str, object]]
    ) -> CaseStatus:
        items = self._parse(fingerprints)
        self._authorise(case_id, secret)
        with self.store.writing() as session:
            case = _case_row(session, case_id)
            if case.status != "active":
                raise CaseError(
                    "this case was withdrawn; register a new case instead",
                    code="case-withdrawn",
                )
            bank = session.get(BankRow, case.bank_id)
            if bank is None:  # pragma: no cover - the case row goes with its bank
                raise _not_found()
            present = _case_fingerprints(session, case.id)
            new = [item for item in items if item.fingerprint not in present]
            self._check_cap(len(present) + len(new))
            ids = _insert_items(session, bank, case.id, new)
            if ids:
                case.updated_at = datetime.now(UTC)
                write_audit(
                    session,
                    f"case:{case_id}",
                    "case.extended",
                    case_id,
                    {"fingerprints_added": len(ids)},
                )
            return _status_view(session, case)

    def withdraw(self, case_id: str, secret: str) -> CaseStatus:
        """Delete the case's entries and fingerprints for good; the case stays "withdrawn"."""
        self._authorise(case_id, secret)
        with self.store.writing() as session:
            case = _case_row(session, case_id)
            entry_ids = list(
                session.scalars(select(EntryRow.id).where(EntryRow.case_id == case.id))
            )
            if entry_ids:
                bank = session.get(BankRow, case.bank_id)
                if bank is not None:
                    delete_entries(session, bank, entry_ids)
            if case.status != "withdrawn":
                case.status = "withdrawn"
                case.updated_at = datetime.now(UTC)
                write_audit(
                    session,
                    f"case:{case_id}",
                    "case.withdrawn",
                    case_id,
                    {"fingerprints_deleted": len(entry_ids)},
                )
            return _status_view(session, case)

    # -- checks -----------------------------------------------------------------------------

    def _authorise(self, case_id: object, secret: object) -> None:
        """Raise unless ``secret`` opens ``case_id``; counts failures and locks the case."""
        if not isinstance(secret, str):
            secret = ""
        if not _plausible_id(case_id):
            dummy_verify(secret)
            raise _not_found()
        assert isinstance(case_id, str)
        with self.store.reading() as session:
            case = session.scalar(select(CaseRow).where(CaseRow.public_id == case_id))
            stored = case.secret_hash if case is not None else None
            locked_until = _aware(case.locked_until) if case is not None else None
        if stored is None:
            dummy_verify(secret)
            raise _not_found()
        now = datetime.now(UTC)
        if locked_until is not None and locked_until > now:
            raise _locked(locked_until, now)
        correct = verify_secret(secret, stored)  # slow: outside any transaction
        with self.store.writing() as session:
            case = session.scalar(select(CaseRow).where(CaseRow.public_id == case_id))
            if case is None:
                raise _not_found()
            locked_until = _aware(case.locked_until)
            if locked_until is not None and locked_until > now:
                raise _locked(locked_until, now)
            if correct:
                case.failed_attempts = 0
                case.locked_until = None
                return
            case.failed_attempts += 1
            if case.failed_attempts >= self.max_failures:
                case.failed_attempts = 0
                case.locked_until = now + timedelta(seconds=self.lock_seconds)
        raise _not_found()

    def _parse(self, fingerprints: object) -> list[_Item]:
        if isinstance(fingerprints, str | bytes) or not isinstance(fingerprints, Sequence):
            raise CaseError("fingerprints must be a list", code="invalid-fingerprint")
        items: dict[tuple[str, str], _Item] = {}
        for position, raw in enumerate(fingerprints):
            item = _parse_item(raw, position)
            items.setdefault(item.fingerprint, item)
        return list(items.values())

    def _check_cap(self, count: int) -> None:
        if count > self.max_fingerprints:
            raise CaseError(
                f"a case holds at most {self.max_fingerprints} fingerprints",
                code="too-many-fingerprints",
            )

    def _ensure_bank(self) -> None:
        try:
            self.store.get_bank(self.bank)
        except UnknownBank:
            with suppress(BankExists):  # another process may create it in between
                self.store.create_bank(
                    self.bank,
                    kind="ncii",
                    radius=CASE_BANK_RADIUS,
                    action="block",
                    description="fingerprints registered by people at risk",
                    actor="system",
                )

    def _bank_row(self, session: Session) -> BankRow:
        bank = session.scalar(select(BankRow).where(BankRow.name == self.bank))
        if bank is None:  # deleted between _ensure_bank and now
            raise CaseError("the case bank is gone; try again", code="case-not-found")
        return bank


def _parse_item(raw: object, position: int) -> _Item:
    where = f"fingerprint {position + 1}"
    if not isinstance(raw, Mapping):
        raise CaseError(f"{where}: expected an object", code="invalid-fingerprint")
    unknown = set(raw) - {"type", "value", "label"}
    if unknown:
        raise CaseError(
            f"{where}: unknown field(s) {', '.join(sorted(map(str, unknown)))}",
            code="invalid-fingerprint",
        )
    kind = raw.get("type")
    if kind not in CASE_FINGERPRINT_TYPES:
        raise CaseError(
            f"{where}: type must be one of {', '.join(CASE_FINGERPRINT_TYPES)}",
            code="invalid-fingerprint",
        )
    label = raw.get("label")
    if label is not None and label not in CASE_LABELS:
        raise CaseError(
            f"{where}: label must be one of {', '.join(CASE_LABELS)}",
            code="invalid-fingerprint",
        )
    try:
        fingerprint = canonical_fingerprint(kind, raw.get("value"))
    except InvalidEntryFingerprint as error:
        raise CaseError(f"{where}: {error.message}", code="invalid-fingerprint") from error
    return _Item(fingerprint=fingerprint, label=label)


def _insert_items(session: Session, bank: BankRow, case_id: int, items: list[_Item]) -> list[int]:
    """One entry per fingerprint, so each can match (and be reported) on its own."""
    entries = [NewEntry(fingerprints=[item.fingerprint], label=item.label) for item in items]
    return insert_entries(session, bank, entries, case_id=case_id)


def _case_fingerprints(session: Session, case_id: int) -> set[tuple[str, str]]:
    rows = session.execute(
        select(FingerprintRow.type, FingerprintRow.value)
        .join(EntryRow, EntryRow.id == FingerprintRow.entry_id)
        .where(EntryRow.case_id == case_id)
    )
    return {(kind, value) for kind, value in rows}


def _case_row(session: Session, public_id: str) -> CaseRow:
    case = session.scalar(select(CaseRow).where(CaseRow.public_id == public_id))
    if case is None:
        raise _not_found()
    return case


def _status_view(session: Session, case: CaseRow) -> CaseStatus:
    count = session.scalar(
        select(func.count(FingerprintRow.id))
        .join(EntryRow, EntryRow.id == FingerprintRow.entry_id)
        .where(EntryRow.case_id == case.id)
    )
    return CaseStatus(
        case_id=case.public_id,
        status=case.status,
        fingerprint_count=count or 0,
        created_at=_aware(case.created_at) or case.created_at,
    )


def _plausible_id(case_id: object) -> bool:
    return (
        isinstance(case_id, str)
        and case_id.startswith(PUBLIC_ID_PREFIX)
        and len(case_id) <= _MAX_ID_CHARS
    )


def _not_found() -> CaseError:
    return CaseError("no case with this id and secret", code="case-not-found")


def _locked(until: datetime, now: datetime) -> CaseError:
    wait = max(1, int((until - now).total_seconds()) + 1)
    return CaseError(
        f"too many wrong secrets for this case; try again in {wait} seconds",
        code="case-locked",
        retry_after=wait,
    )


def _aware(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment.astimezone(UTC) if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


__all__ = [
    "CASE_ERROR_STATUS",
    "CASE_FINGERPRINT_TYPES",
    "CASE_LABELS",
    "CaseError",
    "CaseReceipt",
    "CaseStatus",
    "Cases",
]
