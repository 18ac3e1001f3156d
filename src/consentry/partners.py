"""Partners: platforms that match uploads against the banks, each with an API key.

A key (``cs_<key_id>_<secret>``) is shown once, at creation or rotation; the store keeps
its public ``key_id`` for lookup and the SHA-256 of the whole key (see
``consentry.secrets`` for why a fast hash is right for 32 random bytes). A revoked
partner's key stops working at once; rotating issues a new key (and re-enables a revoked
partner), after which the old key no longer works.
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from consentry.errors import ConsentryError
from consentry.secrets import api_key_id, hash_api_key, new_api_key
from consentry.store import Store
from consentry.store.audit_log import write_audit
from consentry.store.models import PartnerRow

SCOPES = ("match", "sync", "feedback", "admin", "review")
DEFAULT_RATE_PER_MINUTE = 6000
MAX_RATE_PER_MINUTE = 10_000_000
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
# Compared against when a key id is unknown, so both paths do the same work.
_NO_HASH = "0" * 64


class PartnerError(ConsentryError):
    """Codes: partner-exists, unknown-partner, invalid-scope, invalid-partner."""

    code = "partner-error"


@dataclass(frozen=True)
class Partner:
    name: str
    key_id: str
    scopes: tuple[str, ...]
    created_at: datetime
    rotated_at: datetime | None
    revoked_at: datetime | None
    rate_per_minute: int

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes

    def to_json(self) -> dict[str, object]:
        return {
            "name": self.name,
            "key_id": self.key_id,
            "scopes": list(self.scopes),
            "created_at": self.created_at.isoformat(),
            "rotated_at": _iso(self.rotated_at),
            "revoked_at": _iso(self.revoked_at),
            "rate_per_minute": self.rate_per_minute,
        }


@dataclass(frozen=True)
class PartnerKey:
    """A freshly issued key: show it once, it cannot be recovered."""

    name: str
    key: str
    scopes: tuple[str, ...]

    def to_json(self) -> dict[str, object]:
        return {"name": self.name, "key": self.key, "scopes": list(self.scopes)}

    def __repr__(self) -> str:  # never put the key into a log by accident
        return f"PartnerKey(name={self.name!r}, key='***', scopes={self.scopes!r})"


class Partners:
    def __init__(self, store: Store) -> None:
        self.store = store

    def create(
        self,
        name: str,
        scopes: Iterable[str],
        *,
        rate_per_minute: int = DEFAULT_RATE_PER_MINUTE,
        actor: str = "cli",
    ) -> PartnerKey:
        name = check_partner_name(name)
        chosen = check_scopes(scopes)
        rate = check_rate(rate_per_minute)
        key, key_id, key_hash = new_api_key()
        try:
            with self.store.writing() as session:
                if session.scalar(select(PartnerRow.id).where(PartnerRow.name == name)):
                    raise _exists(name)
                session.add(
                    PartnerRow(
                        name=name,
                        key_id=key_id,
                        key_hash=key_hash,
                        scopes=",".join(chosen),
                        created_at=datetime.now(UTC),
                        rate_per_minute=rate,
                    )
                )
                write_audit(
                    session,
                    actor,
                    "partner.created",
                    name,
                    {"key_id": key_id, "scopes": list(chosen), "rate_per_minute": rate},
                )
        except IntegrityError as error:  # lost a race with another writer
            raise _exists(name) from error
        return PartnerKey(name=name, key=key, scopes=chosen)

    def list(self) -> list[Partner]:
        with self.store.reading() as session:
            rows = session.scalars(select(PartnerRow).order_by(PartnerRow.name)).all()
            return [_view(row) for row in rows]

    def get(self, name: str) -> Partner:
        with self.store.reading() as session:
            return _view(_row(session, name))

    def rotate(self, name: str, *, actor: str = "cli") -> PartnerKey:
        """A new key; the old one stops working. Re-enables a revoked partner."""
        key, key_id, key_hash = new_api_key()
        with self.store.writing() as session:
            row = _row(session, name)
            row.key_id = key_id
            row.key_hash = key_hash
            row.rotated_at = datetime.now(UTC)
            row.revoked_at = None
            write_audit(session, actor, "partner.rotated", row.name, {"key_id": key_id})
            return PartnerKey(name=row.name, key=key, scopes=_scopes(row.scopes))

    def revoke(self, name: str, *, actor: str = "cli") -> None:
        with self.store.writing() as session:
            row = _row(session, name)
            if row.revoked_at is None:
                row.revoked_at = datetime.now(UTC)
                write_audit(session, actor, "partner.revoked", row.name, {"key_id": row.key_id})

    def authenticate(self, key: object) -> Partner | None:
        """The partner owning ``key``; ``None`` for a malformed, unknown or revoked key."""
        key_id = api_key_id(key)
        if key_id is None:
            return None
        assert isinstance(key, str)
        presented = hash_api_key(key)
        with self.store.reading() as session:
            row = session.scalar(select(PartnerRow).where(PartnerRow.key_id == key_id))
            stored = row.key_hash if row is not None else _NO_HASH
            matches = hmac.compare_digest(presented, stored)
            if row is None or not matches or row.revoked_at is not None:
                return None
            return _view(row)


def check_partner_name(name: object) -> str:
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise PartnerError(
            f"invalid partner name {name!r}: use 1-64 letters, digits, '_', '.' or '-', "
            "starting with a letter or digit",
            code="invalid-partner",
        )
    return name


def check_scopes(scopes: Iterable[str]) -> tuple[str, ...]:
    if isinstance(scopes, str):
        scopes = [part.strip() for part in scopes.split(",")]
    chosen = set()
    for scope in scopes:
        if scope not in SCOPES:
            raise PartnerError(
                f"unknown scope {scope!r}: expected some of {', '.join(SCOPES)}",
                code="invalid-scope",
            )
        chosen.add(scope)
    if not chosen:
        raise PartnerError("a partner needs at least one scope", code="invalid-scope")
    return tuple(scope for scope in SCOPES if scope in chosen)


def check_rate(rate: object) -> int:
    if isinstance(rate, bool) or not isinstance(rate, int) or not 0 < rate <= MAX_RATE_PER_MINUTE:
        raise PartnerError(
            f"invalid rate {rate!r}: a whole number of requests per minute, "
            f"1 to {MAX_RATE_PER_MINUTE}",
            code="invalid-partner",
        )
    return rate


def _row(session: Session, name: str) -> PartnerRow:
    row = session.scalar(select(PartnerRow).where(PartnerRow.name == name))
    if row is None:
        raise PartnerError(f"no partner named {name!r}", code="unknown-partner")
    return row


def _exists(name: str) -> PartnerError:
    return PartnerError(f"a partner named {name!r} already exists", code="partner-exists")


def _scopes(text: str) -> tuple[str, ...]:
    return tuple(scope for scope in text.split(",") if scope)


def _view(row: PartnerRow) -> Partner:
    return Partner(
        name=row.name,
        key_id=row.key_id,
        scopes=_scopes(row.scopes),
        created_at=_aware(row.created_at),
        rotated_at=_aware(row.rotated_at) if row.rotated_at else None,
        revoked_at=_aware(row.revoked_at) if row.revoked_at else None,
        rate_per_minute=row.rate_per_minute,
    )


def _aware(moment: datetime) -> datetime:
    return moment.astimezone(UTC) if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None
