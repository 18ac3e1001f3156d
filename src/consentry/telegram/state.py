"""The bot's state in the Consentry store: chat settings, strikes, the allowlist, the file
cache, the getUpdates offset, handled update ids, the actions log, /status counters and
appeals (tables ``telegram_*``, migration 0004).

Each method is one short transaction. Nothing here holds media: a cached file is its
fingerprints and findings, an action is ids and what was done.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from consentry.actions import ModerationSettings, SettingsError
from consentry.errors import ConsentryError
from consentry.partners import PartnerError, Partners
from consentry.store import Store
from consentry.store.models import (
    TelegramActionRow,
    TelegramAllowRow,
    TelegramAppealRow,
    TelegramChatRow,
    TelegramCounterRow,
    TelegramFileRow,
    TelegramSeenUpdateRow,
    TelegramStateRow,
    TelegramStrikeRow,
)

log = logging.getLogger(__name__)

EVENTS = (
    "checked",
    "matched",
    "deleted",
    "warned",
    "muted",
    "banned",
    "held",
    "reported",
    "errors",
    "skipped",
)
STATUSES = ("done", "dry-run", "held", "confirmed", "false-positive", "unbanned", "failed")
MAX_CACHED_FILES = 100_000
MAX_SEEN_UPDATES = 10_000
MAX_APPEAL_CHARS = 1000
MAX_ERROR_CHARS = 2000
FEEDBACK_PARTNER = "telegram-bot"
ACTOR = "telegram-bot"
_OFFSET_KEY = "offset"
_UPDATABLE = frozenset({"decision_id", "done", "status", "log_message_id", "error"})


class StateError(ConsentryError):
    """Codes: unknown-action, invalid-event, invalid-status, invalid-field."""

    code = "telegram-state-error"


@dataclass
class CachedFile:
    fingerprint: dict[str, Any]  # FileFingerprint.to_json() without "path"
    findings: list[dict[str, Any]]  # Finding.to_json() of each finding


@dataclass
class ActionRecord:
    id: int | None
    chat_id: int
    message_id: int
    sender_id: int | None
    sender_chat_id: int | None
    file_unique_id: str | None
    decision_id: int | None
    decision: str
    done: tuple[str, ...] = ()
    status: str = "done"
    log_message_id: int | None = None
    error: str | None = None
    at: datetime = field(default_factory=lambda: datetime.now(UTC))


@dataclass(frozen=True)
class Appeal:
    id: int
    action_id: int
    chat_id: int
    user_id: int
    text: str | None
    at: datetime


class BotState:
    def __init__(
        self,
        store: Store,
        *,
        max_cached_files: int = MAX_CACHED_FILES,
        max_seen_updates: int = MAX_SEEN_UPDATES,
    ) -> None:
        self.store = store
        self.max_cached_files = max_cached_files
        self.max_seen_updates = max_seen_updates
        self._feedback_partner_ready = False  # partners are never deleted: once is enough

    # -- settings ---------------------------------------------------------------------

    def settings(self, chat_id: int) -> ModerationSettings:
        """The chat's settings; the defaults when none were saved (or they no longer load)."""
        with self.store.reading() as session:
            saved = session.scalar(
                select(TelegramChatRow.settings).where(TelegramChatRow.chat_id == chat_id)
            )
        if saved is None:
            return ModerationSettings()
        try:
            return ModerationSettings.from_json(json.loads(saved))
        except (SettingsError, ValueError) as error:
            log.warning("chat %s: saved settings unusable (%s); using defaults", chat_id, error)
            return ModerationSettings()

    def save_settings(self, chat_id: int, settings: ModerationSettings) -> None:
        text = json.dumps(settings.to_json(), sort_keys=True)
        with self.store.writing() as session:
            row = session.get(TelegramChatRow, chat_id)
            if row is None:
                session.add(TelegramChatRow(chat_id=chat_id, settings=text, updated_at=_now()))
            else:
                row.settings = text
                row.updated_at = _now()

    # -- strikes ----------------------------------------------------------------------

    def strikes(self, chat_id: int, user_id: int) -> int:
        with self.store.reading() as session:
            row = session.get(TelegramStrikeRow, (chat_id, user_id))
            return 0 if row is None else row.count

    def add_strike(self, chat_id: int, user_id: int) -> int:
        """One more strike; returns the new count."""
        with self.store.writing() as session:
            row = session.get(TelegramStrikeRow, (chat_id, user_id))
            if row is None:
                row = TelegramStrikeRow(chat_id=chat_id, user_id=user_id, count=0)
                session.add(row)
            row.count += 1
            row.updated_at = _now()
            return row.count

    def remove_strike(self, chat_id: int, user_id: int) -> int:
        """One strike fewer (a false positive); returns the new count, never below 0."""
        with self.store.writing() as session:
            row = session.get(TelegramStrikeRow, (chat_id, user_id))
            if row is None:
                return 0
            row.count = max(0, row.count - 1)
            row.updated_at = _now()
            return row.count

    def clear_strikes(self, chat_id: int, user_id: int) -> None:
        with self.store.writing() as session:
            session.execute(
                delete(TelegramStrikeRow).where(
                    TelegramStrikeRow.chat_id == chat_id, TelegramStrikeRow.user_id == user_id
                )
            )

    # -- allowlist --------------------------------------------------------------------

    def allow(self, chat_id: int, user_id: int, by: int) -> None:
        with self.store.writing() as session:
            row = session.get(TelegramAllowRow, (chat_id, user_id))
            if row is None:
                session.add(
                    TelegramAllowRow(chat_id=chat_id, user_id=user_id, allowed_by=by, at=_now())
                )
            else:
                row.allowed_by, row.at = by, _now()

    def disallow(self, chat_id: int, user_id: int) -> None:
        with self.store.writing() as session:
            session.execute(
                delete(TelegramAllowRow).where(
                    TelegramAllowRow.chat_id == chat_id, TelegramAllowRow.user_id == user_id
                )
            )

    def is_allowed(self, chat_id: int, user_id: int) -> bool:
        with self.store.reading() as session:
            return session.get(TelegramAllowRow, (chat_id, user_id)) is not None

    def allowed(self, chat_id: int) -> list[int]:
        """The chat's allowlisted user (or sender chat) ids."""
        with self.store.reading() as session:
            query = select(TelegramAllowRow.user_id).where(TelegramAllowRow.chat_id == chat_id)
            return list(session.scalars(query.order_by(TelegramAllowRow.user_id)))

    # -- file cache -------------------------------------------------------------------

    def cached(self, file_unique_id: str) -> CachedFile | None:
        with self.store.reading() as session:
            row = session.get(TelegramFileRow, file_unique_id)
            if row is None:
                return None
            return CachedFile(json.loads(row.fingerprint), json.loads(row.findings))

    def remember(self, file_unique_id: str, cached: CachedFile) -> None:
        """Cache (or replace) what was computed for a file; the oldest entries beyond
        ``max_cached_files`` are dropped."""
        summary = {k: v for k, v in cached.fingerprint.items() if k != "path"}
        fingerprint, findings = json.dumps(summary), json.dumps(cached.findings)
        with self.store.writing() as session:
            row = session.get(TelegramFileRow, file_unique_id)
            if row is None:
                row = TelegramFileRow(file_unique_id=file_unique_id)
                session.add(row)
            row.fingerprint, row.findings, row.at = fingerprint, findings, _now()
            session.flush()
            _prune_files(session, self.max_cached_files)

    # -- updates ----------------------------------------------------------------------

    def offset(self) -> int | None:
        """The ``offset`` to pass to getUpdates: the last saved update id + 1 (None: none)."""
        with self.store.reading() as session:
            value = session.get(TelegramStateRow, _OFFSET_KEY)
            return None if value is None else int(value.value) + 1

    def save_offset(self, update_id: int) -> None:
        """Record that ``update_id`` was handled; the offset never moves backwards."""
        with self.store.writing() as session:
            row = session.get(TelegramStateRow, _OFFSET_KEY)
            if row is None:
                session.add(TelegramStateRow(key=_OFFSET_KEY, value=str(update_id)))
            elif update_id > int(row.value):
                row.value = str(update_id)

    def seen_update(self, update_id: int) -> bool:
        """True if ``update_id`` was seen before; otherwise remember it and return False.
        Ids more than ``max_seen_updates`` below the newest are forgotten."""
        with self.store.writing() as session:
            if session.get(TelegramSeenUpdateRow, update_id) is not None:
                return True
            session.add(TelegramSeenUpdateRow(update_id=update_id, at=_now()))
            newest = session.scalar(select(func.max(TelegramSeenUpdateRow.update_id)))
            floor = max(newest or update_id, update_id) - self.max_seen_updates
            session.execute(
                delete(TelegramSeenUpdateRow).where(TelegramSeenUpdateRow.update_id <= floor)
            )
            return False

    # -- actions ----------------------------------------------------------------------

    def record_action(self, record: ActionRecord) -> int:
        """Store ``record`` (its ``id`` is ignored); returns the new action id."""
        row = TelegramActionRow(
            chat_id=record.chat_id,
            message_id=record.message_id,
            sender_id=record.sender_id,
            sender_chat_id=record.sender_chat_id,
            file_unique_id=record.file_unique_id,
            decision_id=record.decision_id,
            decision=record.decision,
            done=_joined(record.done),
            status=_status(record.status),
            log_message_id=record.log_message_id,
            error=_error(record.error),
            at=record.at,
        )
        with self.store.writing() as session:
            session.add(row)
            session.flush()
            return row.id

    def action(self, action_id: int) -> ActionRecord | None:
        with self.store.reading() as session:
            row = session.get(TelegramActionRow, action_id)
            return None if row is None else _action_view(row)

    def update_action(self, action_id: int, **fields: Any) -> ActionRecord:
        """Change ``done``, ``status``, ``log_message_id``, ``error`` or ``decision_id``."""
        unknown = sorted(set(fields) - _UPDATABLE)
        if unknown:
            raise StateError(f"an action's {unknown[0]!r} cannot change", code="invalid-field")
        values = dict(fields)
        if "done" in values:
            values["done"] = _joined(values["done"])
        if "status" in values:
            values["status"] = _status(values["status"])
        if "error" in values:
            values["error"] = _error(values["error"])
        with self.store.writing() as session:
            row = session.get(TelegramActionRow, action_id)
            if row is None:
                raise StateError(f"no bot action {action_id}", code="unknown-action")
            for name, value in values.items():
                setattr(row, name, value)
            return _action_view(row)

    # -- counters ---------------------------------------------------------------------

    def count(self, chat_id: int, event: str, n: int = 1) -> None:
        if event not in EVENTS:
            raise StateError(
                f"{event!r} is not a counted event; events: {', '.join(EVENTS)}",
                code="invalid-event",
            )
        with self.store.writing() as session:
            row = session.get(TelegramCounterRow, (chat_id, event))
            if row is None:
                row = TelegramCounterRow(chat_id=chat_id, event=event, count=0, since=_now())
                session.add(row)
            row.count += n

    def counts(self, chat_id: int) -> dict[str, int]:
        """Every event's count for the chat (0 for events that never happened)."""
        with self.store.reading() as session:
            rows = session.execute(
                select(TelegramCounterRow.event, TelegramCounterRow.count).where(
                    TelegramCounterRow.chat_id == chat_id
                )
            ).all()
        found = dict(rows)
        return {event: int(found.get(event, 0)) for event in EVENTS}

    def counting_since(self, chat_id: int) -> datetime | None:
        """When the chat's first counted event happened (None: nothing counted yet)."""
        with self.store.reading() as session:
            since = session.scalar(
                select(func.min(TelegramCounterRow.since)).where(
                    TelegramCounterRow.chat_id == chat_id
                )
            )
        return None if since is None else _aware(since)

    # -- appeals ----------------------------------------------------------------------

    def record_appeal(self, action_id: int, user_id: int, text: str | None) -> int:
        with self.store.writing() as session:
            action = session.get(TelegramActionRow, action_id)
            if action is None:
                raise StateError(f"no bot action {action_id}", code="unknown-action")
            row = TelegramAppealRow(
                action_id=action_id,
                chat_id=action.chat_id,
                user_id=user_id,
                text=_appeal_text(text),
                at=_now(),
            )
            session.add(row)
            session.flush()
            return row.id

    def set_appeal_text(self, appeal_id: int, text: str | None) -> None:
        """The appellant's explanation, sent after the appeal was opened (capped)."""
        with self.store.writing() as session:
            row = session.get(TelegramAppealRow, appeal_id)
            if row is None:
                raise StateError(f"no appeal {appeal_id}", code="unknown-appeal")
            row.text = _appeal_text(text)

    def appeal(self, appeal_id: int) -> Appeal | None:
        with self.store.reading() as session:
            row = session.get(TelegramAppealRow, appeal_id)
            return None if row is None else _appeal_view(row)

    def awaiting_explanation(self, user_id: int, *, within: float = 3600.0) -> Appeal | None:
        """The user's newest appeal opened in the last ``within`` seconds and not yet explained:
        the next private text from them is its explanation (kept here, so a restart of the bot
        between the two messages loses nothing)."""
        since = _now() - timedelta(seconds=within)
        query = (
            select(TelegramAppealRow)
            .where(
                TelegramAppealRow.user_id == user_id,
                TelegramAppealRow.text.is_(None),
                TelegramAppealRow.at >= since,
            )
            .order_by(TelegramAppealRow.id.desc())
            .limit(1)
        )
        with self.store.reading() as session:
            row = session.scalars(query).first()
            return None if row is None else _appeal_view(row)

    def appeals(self, chat_id: int) -> list[Appeal]:
        """The chat's appeals, oldest first."""
        with self.store.reading() as session:
            query = select(TelegramAppealRow).where(TelegramAppealRow.chat_id == chat_id)
            rows = session.scalars(query.order_by(TelegramAppealRow.id)).all()
            return [_appeal_view(row) for row in rows]

    # -- feedback ---------------------------------------------------------------------

    def feedback_partner(self) -> str:
        """The partner name the bot gives feedback as (created once, with scope
        "feedback"; its key is thrown away, so no one can call the API as it)."""
        if self._feedback_partner_ready:
            return FEEDBACK_PARTNER
        partners = Partners(self.store)
        try:
            partners.create(FEEDBACK_PARTNER, ["feedback"], actor=ACTOR)
        except PartnerError as error:
            if error.code != "partner-exists":
                raise
        self._feedback_partner_ready = True
        return FEEDBACK_PARTNER


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(moment: datetime) -> datetime:
    return moment.astimezone(UTC) if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _prune_files(session: Session, keep: int) -> None:
    total = session.scalar(select(func.count()).select_from(TelegramFileRow)) or 0
    if total <= keep:
        return
    oldest = (
        select(TelegramFileRow.file_unique_id)
        .order_by(TelegramFileRow.at, TelegramFileRow.file_unique_id)
        .limit(total - keep)
    )
    doomed = list(session.scalars(oldest))
    session.execute(delete(TelegramFileRow).where(TelegramFileRow.file_unique_id.in_(doomed)))


def _joined(done: tuple[str, ...] | list[str]) -> str:
    return ",".join(step for step in done if step)


def _status(status: str) -> str:
    if status not in STATUSES:
        raise StateError(
            f"{status!r} is not an action status; statuses: {', '.join(STATUSES)}",
            code="invalid-status",
        )
    return status


def _error(error: str | None) -> str | None:
    return None if error is None else error[:MAX_ERROR_CHARS]


def _appeal_text(text: str | None) -> str | None:
    if text is None:
        return None
    return text.strip()[:MAX_APPEAL_CHARS] or None


def _action_view(row: TelegramActionRow) -> ActionRecord:
    return ActionRecord(
        id=row.id,
        chat_id=row.chat_id,
        message_id=row.message_id,
        sender_id=row.sender_id,
        sender_chat_id=row.sender_chat_id,
        file_unique_id=row.file_unique_id,
        decision_id=row.decision_id,
        decision=row.decision,
        done=tuple(step for step in row.done.split(",") if step),
        status=row.status,
        log_message_id=row.log_message_id,
        error=row.error,
        at=_aware(row.at),
    )


def _appeal_view(row: TelegramAppealRow) -> Appeal:
    return Appeal(
        id=row.id,
        action_id=row.action_id,
        chat_id=row.chat_id,
        user_id=row.user_id,
        text=row.text,
        at=_aware(row.at),
    )
