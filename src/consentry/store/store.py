"""The bank store: banks of fingerprints in SQLite (``home/consentry.db``), never media."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, delete, func, insert, select
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from consentry.store.engine import WRITE_BEGIN_OPTION, sqlite_engine, url_engine
from consentry.store.errors import BankExists, StoreUnreadable, UnknownBank, UnknownEntry
from consentry.store.migrate import upgrade_to_head
from consentry.store.models import BankRow, EntryRow, FingerprintRow, lookup_key
from consentry.store.records import Bank, Entry, Fingerprint, NewEntry
from consentry.store.validation import (
    canonical_fingerprints,
    check_bank_name,
    check_kind,
    check_radius,
    check_text,
    checked_entry,
)

DB_FILENAME = "consentry.db"
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
        """Open any SQLAlchemy database URL (e.g. PostgreSQL later) and migrate it."""
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
    def _reading(self) -> Iterator[Session]:
        with Session(self.engine) as session, session.begin():
            yield session

    @contextmanager
    def _writing(self) -> Iterator[Session]:
        connection = self.engine.connect().execution_options(
            **{WRITE_BEGIN_OPTION: "BEGIN IMMEDIATE"}
        )
        try:
            with Session(bind=connection) as session, session.begin():
                yield session
        finally:
            connection.close()

    # -- banks ------------------------------------------------------------------------

    def create_bank(
        self,
        name: str,
        *,
        kind: str = "ncii",
        radius: int = 31,
        description: str | None = None,
        enabled: bool = True,
    ) -> Bank:
        row = BankRow(
            name=check_bank_name(name),
            kind=check_kind(kind),
            radius=check_radius(radius),
            enabled=bool(enabled),
            description=check_text(description, "description"),
            generation=0,
        )
        try:
            with self._writing() as session:
                if session.scalar(select(BankRow.id).where(BankRow.name == name)) is not None:
                    raise BankExists(f"a bank named {name!r} already exists")
                session.add(row)
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
    ) -> Bank:
        with self._writing() as session:
            row = _bank_row(session, name)
            if radius is not None:
                row.radius = check_radius(radius)
            if enabled is not None:
                row.enabled = bool(enabled)
            if description is not None:
                row.description = check_text(description, "description")
            row.generation += 1
        return self.get_bank(name)

    def delete_bank(self, name: str) -> None:
        """Delete the bank with all its entries and fingerprints (cascading in the database)."""
        with self._writing() as session:
            bank_id = _bank_row(session, name).id
            session.execute(delete(BankRow).where(BankRow.id == bank_id))

    # -- entries ----------------------------------------------------------------------

    def add_entry(
        self,
        bank_name: str,
        fingerprints: Sequence[Fingerprint],
        *,
        label: str | None = None,
        note: str | None = None,
    ) -> int:
        """Add one entry (fingerprints of one image or video); returns its id."""
        return self.add_entries(bank_name, [NewEntry(fingerprints, label, note)])[0]

    def add_entries(self, bank_name: str, items: Iterable[NewEntry]) -> list[int]:
        """Add many entries in one transaction: all are validated before any is written."""
        checked = [checked_entry(item) for item in items]
        with self._writing() as session:
            bank = _bank_row(session, bank_name)
            ids = _insert_entries(session, bank.id, checked)
            if ids:
                bank.generation += 1
        return ids

    def add_fingerprints(
        self, bank_name: str, entry_id: int, fingerprints: Sequence[Fingerprint]
    ) -> int:
        """Attach more fingerprints to an existing entry; returns how many were new."""
        checked = canonical_fingerprints(fingerprints)
        with self._writing() as session:
            bank = _bank_row(session, bank_name)
            _entry_row(session, bank, entry_id)
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
        return len(new)

    def remove_entry(self, bank_name: str, entry_id: int) -> None:
        """Delete an entry and its fingerprints for good."""
        with self._writing() as session:
            bank = _bank_row(session, bank_name)
            _entry_row(session, bank, entry_id)
            session.execute(delete(EntryRow).where(EntryRow.id == entry_id))
            bank.generation += 1

    def get_entry(self, bank_name: str, entry_id: int) -> Entry:
        with self._reading() as session:
            bank = _bank_row(session, bank_name)
            row = _entry_row(session, bank, entry_id)
            fingerprints = [(fp.type, fp.value) for fp in row.fingerprints]
            return _entry_view(row, bank.name, fingerprints)

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
            return [_entry_view(row, bank_name, fingerprints[row.id]) for row in rows]

    def iter_fingerprints(
        self, bank_name: str, types: Iterable[str] | None = None
    ) -> Iterator[tuple[int, str, str]]:
        """``(entry_id, type, value)`` for every fingerprint of the bank (optionally some types)."""
        wanted = sorted(set(types)) if types is not None else None
        with self._reading() as session:
            bank_id = _bank_row(session, bank_name).id
            query = (
                select(FingerprintRow.entry_id, FingerprintRow.type, FingerprintRow.value)
                .join(EntryRow, EntryRow.id == FingerprintRow.entry_id)
                .where(EntryRow.bank_id == bank_id)
                .order_by(FingerprintRow.id)
            )
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
    )


def _entry_view(row: EntryRow, bank_name: str, fingerprints: list[Fingerprint]) -> Entry:
    return Entry(
        id=row.id,
        bank=bank_name,
        label=row.label,
        note=row.note,
        created_at=_aware(row.created_at),
        fingerprints=fingerprints,
    )


def _aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; everything is stored in UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _insert_entries(session: Session, bank_id: int, items: list[NewEntry]) -> list[int]:
    ids: list[int] = []
    for start in range(0, len(items), _BATCH):
        chunk = items[start : start + _BATCH]
        now = datetime.now(UTC)
        rows = [
            {"bank_id": bank_id, "label": item.label, "note": item.note, "created_at": now}
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
    return ids


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
