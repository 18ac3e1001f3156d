"""The audit log: who created, changed, withdrew or revoked what, and when.

Append-only: events are recorded and read, never updated or deleted. Details are plain
JSON and never hold a secret, an API key or media (names that look like one are refused).
Actors: ``"cli"``, ``"partner:<name>"``, ``"case:<public_id>"``, ``"system"``.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy.orm import Session

from consentry.store import Store
from consentry.store.audit_log import ACTIONS, AuditError, write_audit
from consentry.store.records import AuditEvent

__all__ = ["ACTIONS", "AuditError", "AuditEvent", "iter_audit", "record"]


def record(
    session_or_store: Session | Store,
    actor: str,
    action: str,
    subject: str,
    details: Mapping[str, object] | None = None,
) -> None:
    """Append one event: inside the caller's transaction (a ``Session``) or on its own."""
    if isinstance(session_or_store, Store):
        session_or_store.record_audit(actor, action, subject, details)
    else:
        write_audit(session_or_store, actor, action, subject, details)


def iter_audit(store: Store, after_id: int = 0, limit: int = 1000) -> list[AuditEvent]:
    return store.iter_audit(after_id=after_id, limit=limit)
