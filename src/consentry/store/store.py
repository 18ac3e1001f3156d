"""The bank store: banks of fingerprints in SQLite (``home/consentry.db``) or PostgreSQL.

Never media. Every entry that appears or goes away is written to the ``changes`` log in
the same transaction, and every administrative change to the audit log.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, delete, func, insert, select
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from consentry.store.audit_log import write_audit
from consentry.store.engine import (
    WRITE_BEGIN_OPTION,
    sqlite_engine,
    take_write_lock,
    url_engine,
)
from consentry.store.errors import (
    BankExists,
    InvalidVerdict,
    StoreUnreadable,
    UnknownBank,
    UnknownEntry,
    UnknownPartner,
)
from consentry.store.migrate import upgrade_to_head
from consentry.store.models import (
    AuditRow,
    BankRow,
    CaseRow,
    ChangeRow,
    EntryRow,
    FeedbackRow,
    FingerprintRow,
    PartnerRow,
    lookup_key,
)
from consentry.store.records import AuditEvent, Bank, Change, Entry, Fingerprint, NewEntry
from consentry.store.validation import (
    VERDICTS,
    canonical_fingerprints,
    check_action,
    check_bank_name,
    check_kind,
    check_radius,
    check_text,
    checked_entry,
)

DB_FILENAME = "consentry.db"
DEFAULT_ACTOR = "cli"
_BATCH = 500


class Store:
    """Banks, entries and fingerprints. Open with :meth:`open`; close when done."""

    def __init__(self, engine: Engine, *, home: Path | None = None) -> None:
        self.engine = engine
        self.home = home

    @classmethod
    def open(cls, home: str | os.PathLike[str]) -> Store:
        """Open (creating if needed) ``home/consentry.db`` and apply pending migrations."""
        home_path = Path(home)
        try:
            home_path.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise StoreUnreadable(
                f"cannot use {home_path} as the data directory: {error.strerror or error}"
            ) from error
        return cls._migrated(sqlite_engine(home_path / DB_FILENAME), home_path)

    @classmethod
    def open_url(cls, url: str, *, home: Path | None = None) -> Store:
        """Open any SQLAlchemy URL (``postgresql+psycopg://...``, ``sqlite:///...``), migrated."""
        return cls._migrated(url_engine(url), home)

    @classmethod
    def _migrated(cls, engine: Engine, home: Path | None) -> Store:
        try:
            upgrade_to_head(engine)
        except DBAPIError as error:
            engine.dispose()
            where = engine.url.database or engine.url.render_as_string(hide_password=True)
            raise StoreUnreadable(
                f"cannot open the Consentry database {where}: {error.orig}"
            ) from error
        except BaseException:
            engine.dispose()
            raise
        return cls(engine, home=home)

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # -- sessions ---------------------------------------------------------------------

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A read-only transaction (for Consentry's own modules: cases, partners...)."""
        with Session(self.engine) as session, session.begin():
            yield session

    @contextmanager
    def writing(self) -> Iterator[Session]:
        """A write transaction holding the single-writer lock; commits on success."""
        connection = self.engine.connect().execution_options(
            **{WRITE_BEGIN_OPTION: "BEGIN IMMEDIATE"}
        )
        try:
            with Session(bind=connection) as session, session.begin():
                take_write_lock(session.connection())
                yield session
        finally:
            connection.close()

    _reading = reading
    _writing = writing

    # -- banks ------------------------------------------------------------------------

    def create_bank(
        self,
        name: str,
        *,
        kind: str = "ncii",
        radius: int = 31,
        description: str | None = None,
        enabled: bool = True,
        action: str = "block",
        actor: str = DEFAULT_ACTOR,
    ) -> Bank:
        row = BankRow(
            name=check_bank_name(name),
            kind=check_kind(kind),
            radius=check_radius(radius),
            enabled=bool(enabled),
            description=check_text(description, "description"),
            generation=0,
            action=check_action(action),
        )
        try:
            with self._writing() as session:
                if session.scalar(select(BankRow.id).where(BankRow.name == name)) is not None:
                    raise BankExists(f"a bank named {name!r} already exists")
                session.add(row)
                write_audit(
                    session,
                    actor,
                    "bank.created",
                    name,
                    {"kind": row.kind, "radius": row.radius, "action": row.action},
                )
        except IntegrityError as error:  # lost a race with another writer
            raise BankExists(f"a bank named {name!r} already exists") from error
        return self.get_bank(name)

    def get_bank(self, name: str) -> Bank:
        with self._reading() as session:
            return _bank_view(session, _bank_row(session, name))

    def list_banks(self) -> list[Bank]:
        with self._reading() as session:
            counts = dict(
                session.execute(
                    select(EntryRow.bank_id, func.count(EntryRow.id)).group_by(EntryRow.bank_id)
                ).all()
            )
            rows = session.scalars(select(BankRow).order_by(BankRow.name)).all()
            return [_bank_view(session, row, counts.get(row.id, 0)) for row in rows]

    def update_bank(
        self,
        name: str,
        *,
        radius: int | None = None,
        enabled: bool | None = None,
        description: str | None = None,
        action: str | None = None,
        actor: str = DEFAULT_ACTOR,
    ) -> Bank:
        changed: dict[str, object] = {}
        if radius is not None:
            changed["radius"] = check_radius(radius)
        if enabled is not None:
            changed["enabled"] = bool(enabled)
        if description is not None:
            changed["description"] = check_text(description, "description")
        if action is not None:
            changed["action"] = check_action(action)
        with self._writing() as session:
            row = _bank_row(session, name)
            for attribute, value in changed.items():
                setattr(row, attribute, value)
            row.generation += 1
            shown = {k: v for k, v in changed.items() if k != "description"}
            if "description" in changed:
                shown["description_changed"] = True
            write_audit(session, actor, "bank.changed", name, shown)
        return self.get_bank(name)

    def delete_bank(self, name: str, *, actor: str = DEFAULT_ACTOR) -> None:
        """Delete the bank with all its entries and fingerprints (cascading in the database).

        Each entry gets a "remove" in the change log first, so followers drop it too.
        """
        with self._writing() as session:
            bank = _bank_row(session, name)
            entry_ids = list(
                session.scalars(
                    select(EntryRow.id).where(EntryRow.bank_id == bank.id).order_by(EntryRow.id)
                )
            )
            _log_changes(session, bank, entry_ids, "remove")
            session.execute(delete(BankRow).where(BankRow.id == bank.id))
            write_audit(session, actor, "bank.deleted", name, {"entries": len(entry_ids)})

    # -- entries ----------------------------------------------------------------------

    def add_entry(
        self,
        bank_name: str,
        fingerprints: Sequence[Fingerprint],
        *,
        label: str | None = None,
        note: str | None = None,
        actor: str = DEFAULT_ACTOR,
    ) -> int:
        """Add one entry (fingerprints of one image or video); returns its id."""
        return self.add_entries(bank_name, [NewEntry(fingerprints, label, note)], actor=actor)[0]

    def add_entries(
        self, bank_name: str, items: Iterable[NewEntry], *, actor: str = DEFAULT_ACTOR
    ) -> list[int]:
        """Add many entries in one transaction: all are validated before any is written."""
        checked = [checked_entry(item) for item in items]
        with self._writing() as session:
            bank = _bank_row(session, bank_name)
            ids = insert_entries(session, bank, checked)
            if ids:
                write_audit(session, actor, "entry.added", bank.name, _id_summary(ids))
        return ids

    def add_fingerprints(
        self,
        bank_name: str,
        entry_id: int,
        fingerprints: Sequence[Fingerprint],
        *,
        actor: str = DEFAULT_ACTOR,
    ) -> int:
        """Attach more fingerprints to an existing entry; returns how many were new.

        The change log gets another "add" for the entry: followers read it again.
        """
        checked = canonical_fingerprints(fingerprints)
        with self._writing() as session:
            bank = _bank_row(session, bank_name)
            entry = _entry_row(session, bank, entry_id)
            rows = session.execute(
                select(FingerprintRow.type, FingerprintRow.value).where(
                    FingerprintRow.entry_id == entry_id
                )
            )
            present = {(kind, value) for kind, value in rows}
            new = [pair for pair in checked if pair not in present]
            _insert_fingerprints(session, [(entry_id, kind, value) for kind, value in new])
            if new:
                bank.generation += 1
                if not entry.suspended:
                    _log_changes(session, bank, [entry_id], "add")
                write_audit(
                    session,
                    actor,
                    "entry.added",
                    bank.name,
                    {"entry": entry_id, "fingerprints_added": len(new)},
                )
        return len(new)

    def remove_entry(self, bank_name: str, entry_id: int, *, actor: str = DEFAULT_ACTOR) -> None:
        """Delete an entry and its fingerprints for good."""
        with self._writing() as session:
            bank = _bank_row(session, bank_name)
            _entry_row(session, bank, entry_id)
            delete_entries(session, bank, [entry_id])
            write_audit(session, actor, "entry.removed", bank.name, {"entry": entry_id})

    def get_entry(self, bank_name: str, entry_id: int) -> Entry:
        with self._reading() as session:
            bank = _bank_row(session, bank_name)
            row = _entry_row(session, bank, entry_id)
            fingerprints = [(fp.type, fp.value) for fp in row.fingerprints]
            cases = _case_public_ids(session, [row.case_id])
            return _entry_view(row, bank.name, fingerprints, cases.get(row.case_id))

    def iter_entries(self, bank_name: str, *, batch_size: int = _BATCH) -> Iterator[Entry]:
        """All entries of a bank in id order, read in short transactions of ``batch_size``."""
        bank_id = self.get_bank(bank_name).id
        after = 0
        while True:
            batch = self._entry_batch(bank_name, bank_id, after, batch_size)
            yield from batch
            if len(batch) < batch_size:
                return
            after = batch[-1].id

    def _entry_batch(self, bank_name: str, bank_id: int, after: int, size: int) -> list[Entry]:
        with self._reading() as session:
            rows = session.scalars(
                select(EntryRow)
                .where(EntryRow.bank_id == bank_id, EntryRow.id > after)
                .order_by(EntryRow.id)
                .limit(size)
            ).all()
            if not rows:
                return []
            fingerprints: dict[int, list[Fingerprint]] = {row.id: [] for row in rows}
            found = session.execute(
                select(FingerprintRow.entry_id, FingerprintRow.type, FingerprintRow.value)
                .where(FingerprintRow.entry_id.between(rows[0].id, rows[-1].id))
                .order_by(FingerprintRow.id)
            )
            for entry_id, kind, value in found:
                if entry_id in fingerprints:
                    fingerprints[entry_id].append((kind, value))
            cases = _case_public_ids(session, [row.case_id for row in rows])
            return [
                _entry_view(row, bank_name, fingerprints[row.id], cases.get(row.case_id))
                for row in rows
            ]

    def iter_fingerprints(
        self,
        bank_name: str,
        types: Iterable[str] | None = None,
        *,
        include_suspended: bool = False,
    ) -> Iterator[tuple[int, str, str]]:
        """``(entry_id, type, value)`` for the fingerprints of the bank's entries that match.

        Suspended entries are left out unless ``include_suspended``; optionally only
        some fingerprint types.
        """
        wanted = sorted(set(types)) if types is not None else None
        with self._reading() as session:
            bank_id = _bank_row(session, bank_name).id
            query = (
                select(FingerprintRow.entry_id, FingerprintRow.type, FingerprintRow.value)
                .join(EntryRow, EntryRow.id == FingerprintRow.entry_id)
                .where(EntryRow.bank_id == bank_id)
                .order_by(FingerprintRow.id)
            )
            if not include_suspended:
                query = query.where(EntryRow.suspended.is_(False))
            if wanted is not None:
                query = query.where(FingerprintRow.type.in_(wanted))
            rows = [(entry_id, kind, value) for entry_id, kind, value in session.execute(query)]
        yield from rows

    def entry_labels(self, bank_name: str, entry_ids: Iterable[int]) -> dict[int, str | None]:
        """Labels of those of ``entry_ids`` that still exist in the bank."""
        ids = sorted(set(entry_ids))
        labels: dict[int, str | None] = {}
        with self._reading() as session:
            bank_id = _bank_row(session, bank_name).id
            for start in range(0, len(ids), _BATCH):
                chunk = ids[start : start + _BATCH]
                rows = session.execute(
                    select(EntryRow.id, EntryRow.label).where(
                        EntryRow.bank_id == bank_id, EntryRow.id.in_(chunk)
                    )
                )
                labels.update((entry_id, label) for entry_id, label in rows)
        return labels

    def find_fingerprint(
        self, bank_name: str, kind: str, value: str
    ) -> list[tuple[int, str | None]]:
        """``(entry_id, label)`` of the bank's entries holding exactly this fingerprint."""
        kind, value = canonical_fingerprints([(kind, value)])[0]
        with self._reading() as session:
            bank_id = _bank_row(session, bank_name).id
            rows = session.execute(
                select(EntryRow.id, EntryRow.label)
                .join(FingerprintRow, FingerprintRow.entry_id == EntryRow.id)
                .where(
                    EntryRow.bank_id == bank_id,
                    FingerprintRow.type == kind,
                    FingerprintRow.lookup_key == lookup_key(value),
                    FingerprintRow.value == value,
                )
                .order_by(EntryRow.id)
                .distinct()
            )
            return [(entry_id, label) for entry_id, label in rows]

    def holders(
        self, bank_name: str, fingerprints: Iterable[Fingerprint]
    ) -> dict[Fingerprint, list[tuple[int, str | None]]]:
        """For canonical fingerprints: the ``(entry_id, label)`` of bank entries holding each."""
        wanted = set(fingerprints)
        keys_by_type: dict[str, set[str]] = {}
        for kind, value in wanted:
            keys_by_type.setdefault(kind, set()).add(lookup_key(value))
        found: dict[Fingerprint, list[tuple[int, str | None]]] = {}
        with self._reading() as session:
            bank_id = _bank_row(session, bank_name).id
            for kind, key_set in sorted(keys_by_type.items()):
                keys = sorted(key_set)
                for start in range(0, len(keys), _BATCH):
                    rows = session.execute(
                        select(FingerprintRow.value, EntryRow.id, EntryRow.label)
                        .join(EntryRow, EntryRow.id == FingerprintRow.entry_id)
                        .where(
                            FingerprintRow.type == kind,
                            FingerprintRow.lookup_key.in_(keys[start : start + _BATCH]),
                            EntryRow.bank_id == bank_id,
                        )
                        .order_by(EntryRow.id)
                    )
                    for value, entry_id, label in rows:
                        if (kind, value) in wanted:
                            found.setdefault((kind, value), []).append((entry_id, label))
        return found

    # -- the change log, feedback, suspension -------------------------------------------

    def changes_since(
        self, seq: int, limit: int = 1000, banks: Iterable[str] | None = None
    ) -> list[Change]:
        """Up to ``limit`` changes with a ``seq`` above ``seq``, oldest first."""
        query = select(ChangeRow).where(ChangeRow.seq > seq).order_by(ChangeRow.seq)
        if banks is not None:
            query = query.where(ChangeRow.bank.in_(sorted(set(banks))))
        with self._reading() as session:
            rows = session.scalars(query.limit(max(0, limit))).all()
            return [
                Change(
                    seq=row.seq,
                    bank=row.bank,
                    entry_id=row.entry_id,
                    op=row.op,
                    at=_aware(row.at),
                )
                for row in rows
            ]

    def last_change_seq(self) -> int:
        with self._reading() as session:
            return session.scalar(select(func.max(ChangeRow.seq))) or 0

    def entries_by_ids(self, bank_name: str, ids: Iterable[int]) -> dict[int, Entry]:
        """Those of ``ids`` that are entries of the bank now (an unknown bank gives ``{}``)."""
        wanted = sorted({entry_id for entry_id in ids if _is_id(entry_id)})
        found: dict[int, Entry] = {}
        with self._reading() as session:
            bank = session.scalar(select(BankRow).where(BankRow.name == bank_name))
            if bank is None:
                return found
            for start in range(0, len(wanted), _BATCH):
                chunk = wanted[start : start + _BATCH]
                rows = session.scalars(
                    select(EntryRow).where(EntryRow.bank_id == bank.id, EntryRow.id.in_(chunk))
                ).all()
                fingerprints: dict[int, list[Fingerprint]] = {row.id: [] for row in rows}
                for entry_id, kind, value in session.execute(
                    select(FingerprintRow.entry_id, FingerprintRow.type, FingerprintRow.value)
                    .where(FingerprintRow.entry_id.in_(list(fingerprints)))
                    .order_by(FingerprintRow.id)
                ):
                    fingerprints[entry_id].append((kind, value))
                cases = _case_public_ids(session, [row.case_id for row in rows])
                for row in rows:
                    found[row.id] = _entry_view(
                        row, bank.name, fingerprints[row.id], cases.get(row.case_id)
                    )
        return found

    def flagged_entries(
        self, bank_name: str, *, min_false_positives: int = 3, limit: int = 100
    ) -> list[Entry]:
        """Entries of a bank that partners reported as false positives at least
        ``min_false_positives`` times, most reported first: for operators to review."""
        with self._reading() as session:
            bank = _bank_row(session, bank_name)
            ids = session.scalars(
                select(EntryRow.id)
                .where(
                    EntryRow.bank_id == bank.id,
                    EntryRow.false_positive_count >= min_false_positives,
                )
                .order_by(EntryRow.false_positive_count.desc(), EntryRow.id)
                .limit(limit)
            ).all()
        found = self.entries_by_ids(bank_name, ids)
        return [found[entry_id] for entry_id in ids if entry_id in found]

    def set_entry_suspended(
        self, bank_name: str, entry_id: int, suspended: bool, *, actor: str = DEFAULT_ACTOR
    ) -> None:
        """Stop (or resume) matching an entry without deleting it.

        Logged as "remove" (or "add") in the change log when the state really changes.
        """
        with self._writing() as session:
            bank = _bank_row(session, bank_name)
            row = _entry_row(session, bank, entry_id)
            wanted = bool(suspended)
            if row.suspended == wanted:
                return
            row.suspended = wanted
            bank.generation += 1
            _log_changes(session, bank, [row.id], "remove" if wanted else "add")
            write_audit(
                session,
                actor,
                "entry.suspended",
                bank.name,
                {"entry": row.id, "suspended": wanted},
            )

    def record_feedback(self, partner: str, bank: str, entry_id: int, verdict: str) -> None:
        """A partner's verdict on a match: stored, counted on the entry, audited."""
        with self._writing() as session:
            add_feedback(session, partner, bank, entry_id, verdict)

    # -- audit ----------------------------------------------------------------------------

    def record_audit(
        self,
        actor: str,
        action: str,
        subject: str,
        details: Mapping[str, object] | None = None,
    ) -> None:
        """Append one audit event in its own transaction."""
        with self._writing() as session:
            write_audit(session, actor, action, subject, details)

    def iter_audit(self, after_id: int = 0, limit: int = 1000) -> list[AuditEvent]:
        """Audit events with an id above ``after_id``, oldest first (append-only log)."""
        with self._reading() as session:
            rows = session.scalars(
                select(AuditRow)
                .where(AuditRow.id > after_id)
                .order_by(AuditRow.id)
                .limit(max(0, limit))
            ).all()
            return [
                AuditEvent(
                    id=row.id,
                    at=_aware(row.at),
                    actor=row.actor,
                    action=row.action,
                    subject=row.subject,
                    details=json.loads(row.details),
                )
                for row in rows
            ]


def add_feedback(session: Session, partner: str, bank: str, entry_id: int, verdict: str) -> None:
    """``Store.record_feedback`` inside a caller's transaction (a review posts it with its verdict).

    Everything is looked up before anything is written, so an unknown partner, bank or entry
    raises with the session untouched.
    """
    if verdict not in VERDICTS:
        raise InvalidVerdict(f"unknown verdict {verdict!r}: expected one of {', '.join(VERDICTS)}")
    partner_row = session.scalar(select(PartnerRow).where(PartnerRow.name == partner))
    if partner_row is None:
        raise UnknownPartner(f"no partner named {partner!r}")
    bank_row = _bank_row(session, bank)
    entry = _entry_row(session, bank_row, entry_id)
    session.add(
        FeedbackRow(
            partner_id=partner_row.id,
            bank_id=bank_row.id,
            entry_id=entry.id,
            verdict=verdict,
            at=datetime.now(UTC),
        )
    )
    if verdict == "correct":
        entry.confirmed_count += 1
    else:
        entry.false_positive_count += 1
    write_audit(
        session,
        f"partner:{partner}",
        "feedback",
        bank_row.name,
        {"entry": entry.id, "verdict": verdict},
    )


def _bank_row(session: Session, name: str) -> BankRow:
    row = session.scalar(select(BankRow).where(BankRow.name == name))
    if row is None:
        raise UnknownBank(f"no bank named {name!r}")
    return row


def _entry_row(session: Session, bank: BankRow, entry_id: int) -> EntryRow:
    row = session.get(EntryRow, entry_id) if _is_id(entry_id) else None
    if row is None or row.bank_id != bank.id:
        raise UnknownEntry(f"bank {bank.name!r} has no entry {entry_id!r}")
    return row


def _is_id(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**63


def _bank_view(session: Session, row: BankRow, entry_count: int | None = None) -> Bank:
    if entry_count is None:
        entry_count = session.scalar(
            select(func.count(EntryRow.id)).where(EntryRow.bank_id == row.id)
        )
    return Bank(
        id=row.id,
        name=row.name,
        kind=row.kind,
        radius=row.radius,
        enabled=row.enabled,
        created_at=_aware(row.created_at),
        entry_count=entry_count or 0,
        description=row.description,
        generation=row.generation,
        action=row.action,
    )


def _entry_view(
    row: EntryRow, bank_name: str, fingerprints: list[Fingerprint], case_id: str | None = None
) -> Entry:
    return Entry(
        id=row.id,
        bank=bank_name,
        label=row.label,
        note=row.note,
        created_at=_aware(row.created_at),
        fingerprints=fingerprints,
        case_id=case_id,
        suspended=bool(row.suspended),
        confirmed_count=row.confirmed_count or 0,
        false_positive_count=row.false_positive_count or 0,
    )


def _case_public_ids(session: Session, case_ids: Iterable[int | None]) -> dict[int, str]:
    wanted = sorted({case_id for case_id in case_ids if case_id is not None})
    if not wanted:
        return {}
    rows = session.execute(select(CaseRow.id, CaseRow.public_id).where(CaseRow.id.in_(wanted)))
    return {case_id: public_id for case_id, public_id in rows}


def _id_summary(ids: list[int]) -> dict[str, object]:
    """Audit details for added entries: a handful of ids listed, a large import summarised."""
    if len(ids) <= 20:
        return {"entries": ids}
    return {"count": len(ids), "first": ids[0], "last": ids[-1]}


def _log_changes(session: Session, bank: BankRow, entry_ids: Sequence[int], op: str) -> None:
    now = datetime.now(UTC)
    for start in range(0, len(entry_ids), _BATCH):
        session.execute(
            insert(ChangeRow.__table__),
            [
                {"bank_id": bank.id, "bank": bank.name, "entry_id": entry_id, "op": op, "at": now}
                for entry_id in entry_ids[start : start + _BATCH]
            ],
        )


def _aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes, PostgreSQL its session zone; all is UTC."""
    return moment.astimezone(UTC) if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def insert_entries(
    session: Session, bank: BankRow, items: list[NewEntry], *, case_id: int | None = None
) -> list[int]:
    """Insert checked entries with their fingerprints and "add" changes; bumps the generation.

    For Consentry's own modules (cases) that add entries inside a larger transaction.
    """
    ids: list[int] = []
    for start in range(0, len(items), _BATCH):
        chunk = items[start : start + _BATCH]
        now = datetime.now(UTC)
        rows = [
            {
                "bank_id": bank.id,
                "label": item.label,
                "note": item.note,
                "created_at": now,
                "case_id": case_id,
                "suspended": False,
                "confirmed_count": 0,
                "false_positive_count": 0,
            }
            for item in chunk
        ]
        table = EntryRow.__table__
        chunk_ids = list(
            session.scalars(insert(table).returning(table.c.id, sort_by_parameter_order=True), rows)
        )
        _insert_fingerprints(
            session,
            [
                (entry_id, kind, value)
                for entry_id, item in zip(chunk_ids, chunk, strict=True)
                for kind, value in item.fingerprints
            ],
        )
        ids.extend(chunk_ids)
    if ids:
        _log_changes(session, bank, ids, "add")
        bank.generation += 1
    return ids


def delete_entries(session: Session, bank: BankRow, entry_ids: Sequence[int]) -> None:
    """Delete entries (fingerprints cascade) with a "remove" change each; bumps the generation."""
    ids = sorted(set(entry_ids))
    if not ids:
        return
    _log_changes(session, bank, ids, "remove")
    for start in range(0, len(ids), _BATCH):
        session.execute(delete(EntryRow).where(EntryRow.id.in_(ids[start : start + _BATCH])))
    bank.generation += 1


def _insert_fingerprints(session: Session, rows: list[tuple[int, str, str]]) -> None:
    if rows:
        # Core insert on the table: one executemany, not the ORM's row-by-row path.
        session.execute(
            insert(FingerprintRow.__table__),
            [
                {"entry_id": entry, "type": kind, "value": value, "lookup_key": lookup_key(value)}
                for entry, kind, value in rows
            ],
        )
