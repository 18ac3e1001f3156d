"""SQLAlchemy models of the bank store: ``banks`` -> ``entries`` -> ``fingerprints``.

The schema is kept portable (SQLite now, PostgreSQL later): no dialect-specific SQL,
named constraints, and ids that are never reused (``sqlite_autoincrement``), so an entry
id quoted in a report can never come to mean a different person's entry.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# SQLite only autoincrements an "INTEGER PRIMARY KEY"; PostgreSQL gets 64-bit ids.
BigId = BigInteger().with_variant(Integer(), "sqlite")

MAX_LABEL_CHARS = 1024
# Long values (vPDQ frame lists) are looked up by digest: a PostgreSQL btree entry is
# limited to ~2.7 kB, so the indexed column must stay short.
LOOKUP_KEY_CHARS = 80


def utc_now() -> datetime:
    return datetime.now(UTC)


def lookup_key(value: str) -> str:
    """The indexed stand-in for a fingerprint value: the value itself, or a digest if long."""
    if len(value) <= LOOKUP_KEY_CHARS:
        return value
    return "sha256:" + hashlib.sha256(value.encode("utf-8")).hexdigest()


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class BankRow(Base):
    __tablename__ = "banks"
    __table_args__ = (
        CheckConstraint("radius >= 0 AND radius <= 256", name="radius_range"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(32), default="ncii")
    radius: Mapped[int] = mapped_column(Integer, default=31)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    description: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    # Bumped on every change to the bank's entries: cached indexes are keyed by it.
    generation: Mapped[int] = mapped_column(Integer, default=0)

    entries: Mapped[list[EntryRow]] = relationship(
        back_populates="bank", cascade="all, delete-orphan", passive_deletes=True
    )


class EntryRow(Base):
    __tablename__ = "entries"
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    bank_id: Mapped[int] = mapped_column(ForeignKey("banks.id", ondelete="CASCADE"), index=True)
    label: Mapped[str | None] = mapped_column(String(MAX_LABEL_CHARS), default=None)
    note: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)

    bank: Mapped[BankRow] = relationship(back_populates="entries")
    fingerprints: Mapped[list[FingerprintRow]] = relationship(
        back_populates="entry",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="FingerprintRow.id",
    )


class FingerprintRow(Base):
    __tablename__ = "fingerprints"
    __table_args__ = (
        Index("ix_fingerprints_type_lookup_key", "type", "lookup_key"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    entry_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("entries.id", ondelete="CASCADE"), index=True
    )
    type: Mapped[str] = mapped_column(String(16))
    value: Mapped[str] = mapped_column(Text)
    lookup_key: Mapped[str] = mapped_column(String(LOOKUP_KEY_CHARS))

    entry: Mapped[EntryRow] = relationship(back_populates="fingerprints")
