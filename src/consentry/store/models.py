"""SQLAlchemy models of the store.

``banks`` -> ``entries`` -> ``fingerprints`` hold what is matched; ``cases`` are the
people at risk who registered entries themselves; ``changes`` is the append-only log of
entry additions and removals that the live index and the sync feed follow; ``partners``,
``feedback`` and ``audit`` serve the registry service.

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
    false,
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
    # The action hint returned with matches: "block", "review" or "allow".
    action: Mapped[str] = mapped_column(String(16), default="block", server_default="block")

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
    # Set for entries a person registered through a case (cases.id); never shown to
    # partners. Not a declared foreign key: SQLite cannot add one to an existing table
    # without copying it, and copying ``entries`` with foreign keys on would cascade into
    # ``fingerprints``. Cases keep it right: a withdrawal deletes the case's entries, and a
    # case row only goes away with its bank, which takes the entries with it.
    case_id: Mapped[int | None] = mapped_column(BigId, index=True, default=None)
    # A suspended entry stays stored but does not match (e.g. after false-positive reports).
    suspended: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    confirmed_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    false_positive_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

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


class CaseRow(Base):
    """A person's registration: a salted, slow hash of their secret, never the secret."""

    __tablename__ = "cases"
    __table_args__ = (
        CheckConstraint("status IN ('active', 'withdrawn')", name="status_known"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    secret_hash: Mapped[str] = mapped_column(Text)
    bank_id: Mapped[int] = mapped_column(ForeignKey("banks.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="active")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)


class ChangeRow(Base):
    """One entry appearing ("add") or going away ("remove") in a bank.

    ``seq`` is the cursor of the live index and the sync feed: it is never reused and,
    because writers are serialised (SQLite's write lock, an advisory lock on PostgreSQL),
    rows become visible in ``seq`` order. No foreign keys: the entry or the whole bank may
    be gone, which is exactly what a "remove" row reports; the bank's name is kept for that.
    """

    __tablename__ = "changes"
    __table_args__ = (
        CheckConstraint("op IN ('add', 'remove')", name="op_known"),
        {"sqlite_autoincrement": True},
    )

    seq: Mapped[int] = mapped_column(BigId, primary_key=True)
    bank_id: Mapped[int] = mapped_column(Integer)
    bank: Mapped[str] = mapped_column(String(64))
    entry_id: Mapped[int] = mapped_column(BigInteger)
    op: Mapped[str] = mapped_column(String(8))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)


class PartnerRow(Base):
    """A platform with an API key; only the key's SHA-256 is stored."""

    __tablename__ = "partners"
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    key_id: Mapped[str] = mapped_column(String(12), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64))
    scopes: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    rotated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    rate_per_minute: Mapped[int] = mapped_column(Integer, default=6000, server_default="6000")


class FeedbackRow(Base):
    """A partner's verdict on a match; ``entry_id`` has no foreign key (it may be gone)."""

    __tablename__ = "feedback"
    __table_args__ = (
        CheckConstraint("verdict IN ('correct', 'false-positive')", name="verdict_known"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    partner_id: Mapped[int] = mapped_column(
        ForeignKey("partners.id", ondelete="CASCADE"), index=True
    )
    bank_id: Mapped[int] = mapped_column(ForeignKey("banks.id", ondelete="CASCADE"), index=True)
    entry_id: Mapped[int] = mapped_column(BigInteger)
    verdict: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)


class AuditRow(Base):
    """Append-only record of who did what; ``details`` is JSON without secrets or media."""

    __tablename__ = "audit"
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    actor: Mapped[str] = mapped_column(String(128))
    action: Mapped[str] = mapped_column(String(32))
    subject: Mapped[str] = mapped_column(Text)
    details: Mapped[str] = mapped_column(Text, default="{}")


class DecisionRow(Base):
    """What the policy decided about one piece of content, and why.

    Holds fingerprints, signals (findings), matches and the decision with its explanation,
    plus references a client gave (a chat, a message link): never the media. ``review``
    is "pending" for decisions sent to review until a moderator sets "approved" (the
    decision stands) or "rejected"; None for decisions that needed no review.
    """

    __tablename__ = "decisions"
    __table_args__ = (
        CheckConstraint("action IN ('block', 'review', 'allow')", name="action_known"),
        CheckConstraint(
            "review IS NULL OR review IN ('pending', 'approved', 'rejected')", name="review_known"
        ),
        Index("ix_decisions_review_at", "review", "at"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now, index=True)
    source: Mapped[str] = mapped_column(String(32))  # "api", "cli", "bot", "investigator"
    partner_id: Mapped[int | None] = mapped_column(
        ForeignKey("partners.id", ondelete="SET NULL"), index=True, default=None
    )
    chat: Mapped[str | None] = mapped_column(String(128), default=None, index=True)
    reference: Mapped[str | None] = mapped_column(String(512), default=None)
    sha256: Mapped[str | None] = mapped_column(String(64), default=None, index=True)
    pdq: Mapped[str | None] = mapped_column(String(64), default=None)
    action: Mapped[str] = mapped_column(String(8))
    rule: Mapped[str | None] = mapped_column(String(128), default=None)
    banks: Mapped[str] = mapped_column(Text, default="")  # matched bank names as "|a|b|"
    details: Mapped[str] = mapped_column(Text, default="{}")  # JSON: matches, findings, reasons
    review: Mapped[str | None] = mapped_column(String(16), default=None)
    reviewed_by: Mapped[str | None] = mapped_column(String(128), default=None)
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)


# -- the Telegram moderation bot (consentry.telegram.state) ------------------------------
# Chat and user ids are Telegram's 64-bit ids; a user id may be a sender chat's (negative).


class TelegramChatRow(Base):
    """A moderated chat's settings (``ModerationSettings.to_json()``)."""

    __tablename__ = "telegram_chats"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    settings: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)


class TelegramStrikeRow(Base):
    __tablename__ = "telegram_strikes"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    count: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)


class TelegramAllowRow(Base):
    """A sender whose media a chat's admins chose not to act on (still checked and logged)."""

    __tablename__ = "telegram_allowlist"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    allowed_by: Mapped[int] = mapped_column(BigInteger)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)


class TelegramFileRow(Base):
    """What was computed for a Telegram file, so a repost is not downloaded again: its
    fingerprints and findings as JSON, never the media."""

    __tablename__ = "telegram_files"

    file_unique_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(Text)
    findings: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now, index=True)


class TelegramStateRow(Base):
    """Small bot-wide values, such as the getUpdates offset."""

    __tablename__ = "telegram_state"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class TelegramSeenUpdateRow(Base):
    """Update ids already handled, so a redelivered webhook update is not handled twice."""

    __tablename__ = "telegram_seen_updates"

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)


class TelegramActionRow(Base):
    """What the bot did (or, in a dry run, would have done) about one message."""

    __tablename__ = "telegram_actions"
    __table_args__ = (
        CheckConstraint(
            "status IN ('done', 'dry-run', 'held', 'confirmed', 'false-positive', "
            "'unbanned', 'failed')",
            name="status_known",
        ),
        Index("ix_telegram_actions_chat_id_message_id", "chat_id", "message_id"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    message_id: Mapped[int] = mapped_column(BigInteger)
    sender_id: Mapped[int | None] = mapped_column(BigInteger, default=None)
    sender_chat_id: Mapped[int | None] = mapped_column(BigInteger, default=None)
    file_unique_id: Mapped[str | None] = mapped_column(String(64), default=None)
    # decisions.id; not a foreign key, like entries.case_id: the action record stands alone.
    decision_id: Mapped[int | None] = mapped_column(BigInteger, default=None)
    decision: Mapped[str] = mapped_column(String(8))
    done: Mapped[str] = mapped_column(Text, default="")  # comma-separated: "delete,warn,ban"
    status: Mapped[str] = mapped_column(String(16))
    log_message_id: Mapped[int | None] = mapped_column(BigInteger, default=None)
    error: Mapped[str | None] = mapped_column(Text, default=None)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)


class TelegramCounterRow(Base):
    """Per-chat event counts for /status, counted since ``since``."""

    __tablename__ = "telegram_counters"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    event: Mapped[str] = mapped_column(String(16), primary_key=True)
    count: Mapped[int] = mapped_column(BigInteger, default=0)
    since: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)


class TelegramAppealRow(Base):
    """A sender contesting an action; ``text`` is their own short explanation, if any."""

    __tablename__ = "telegram_appeals"
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    action_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("telegram_actions.id", ondelete="CASCADE"), index=True
    )
    chat_id: Mapped[int] = mapped_column(BigInteger, index=True)
    user_id: Mapped[int] = mapped_column(BigInteger, index=True)
    text: Mapped[str | None] = mapped_column(Text, default=None)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
