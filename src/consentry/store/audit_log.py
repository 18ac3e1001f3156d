"""Writing audit events inside a store transaction (``consentry.audit`` is the public face).

Events are append-only: nothing here or anywhere else updates or deletes them. ``details``
must never hold a secret, an API key or media; keys that look like one are refused.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from consentry.errors import ConsentryError
from consentry.store.models import AuditRow

ACTIONS = (
    "case.created",
    "case.extended",
    "case.withdrawn",
    "partner.created",
    "partner.rotated",
    "partner.revoked",
    "bank.created",
    "bank.changed",
    "bank.deleted",
    "entry.added",
    "entry.removed",
    "entry.suspended",
    "feedback",
    "decision.reviewed",
)
MAX_ACTOR_CHARS = 128
MAX_DETAILS_CHARS = 8192
# A detail named like one of these is refused outright: the audit log is read by
# operators and exported, so it must not become the place where a secret leaks.
_FORBIDDEN_WORDS = ("secret", "password", "token", "hash")
_FORBIDDEN_NAMES = frozenset({"key", "api_key", "media", "image", "video", "bytes", "content"})


class AuditError(ConsentryError):
    code = "invalid-audit-event"


def audit_row(
    actor: str, action: str, subject: str, details: Mapping[str, object] | None = None
) -> AuditRow:
    if not isinstance(actor, str) or not actor or len(actor) > MAX_ACTOR_CHARS:
        raise AuditError(f"an audit actor is 1-{MAX_ACTOR_CHARS} characters of text")
    if action not in ACTIONS:
        raise AuditError(f"unknown audit action {action!r}")
    if not isinstance(subject, str):
        raise AuditError("an audit subject is text")
    details = dict(details or {})
    for name in details:
        lowered = str(name).lower()
        if lowered in _FORBIDDEN_NAMES or any(word in lowered for word in _FORBIDDEN_WORDS):
            raise AuditError(f"audit details may not carry {name!r}")
    try:
        text = json.dumps(details, sort_keys=True, separators=(",", ":"))
    except (TypeError, ValueError) as error:
        raise AuditError(f"audit details must be plain JSON: {error}") from error
    if len(text) > MAX_DETAILS_CHARS:
        raise AuditError(f"audit details are longer than {MAX_DETAILS_CHARS} characters")
    return AuditRow(at=datetime.now(UTC), actor=actor, action=action, subject=subject, details=text)


def write_audit(
    session: Session,
    actor: str,
    action: str,
    subject: str,
    details: Mapping[str, object] | None = None,
) -> None:
    """Add one event to the transaction of ``session`` (it commits or rolls back with it)."""
    session.add(audit_row(actor, action, subject, details))
