"""Plain read-only views of banks and entries handed out by the store."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

Fingerprint = tuple[str, str]  # (type, canonical value), e.g. ("pdq", "f8f8...")


@dataclass(frozen=True)
class Bank:
    id: int
    name: str
    kind: str
    radius: int
    enabled: bool
    created_at: datetime
    entry_count: int
    description: str | None = None
    generation: int = 0
    action: str = "block"

    def to_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "name": self.name,
            "kind": self.kind,
            "radius": self.radius,
            "enabled": self.enabled,
            "description": self.description,
            "created_at": self.created_at.isoformat(),
            "entry_count": self.entry_count,
            "action": self.action,
        }


@dataclass(frozen=True)
class Entry:
    id: int
    bank: str
    label: str | None
    note: str | None
    created_at: datetime
    fingerprints: list[Fingerprint] = field(default_factory=list)
    # The public id of the case that registered the entry: for the operator only, never
    # for partners (to_json leaves it out).
    case_id: str | None = None
    suspended: bool = False
    confirmed_count: int = 0
    false_positive_count: int = 0

    def to_json(self) -> dict[str, object]:
        """The entry without its case: safe to hand to a partner with admin scope."""
        return {
            "id": self.id,
            "bank": self.bank,
            "label": self.label,
            "note": self.note,
            "created_at": self.created_at.isoformat(),
            "fingerprints": [{"type": t, "value": v} for t, v in self.fingerprints],
            "suspended": self.suspended,
            "confirmed_count": self.confirmed_count,
            "false_positive_count": self.false_positive_count,
        }


@dataclass(frozen=True)
class NewEntry:
    """An entry to add: one or more fingerprints of the same image or video."""

    fingerprints: Sequence[Fingerprint]
    label: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class Change:
    """An entry that appeared ("add") or went away ("remove"); ``seq`` is the cursor.

    An "add" for an entry already seen means its fingerprints changed: read it again.
    """

    seq: int
    bank: str
    entry_id: int
    op: str
    at: datetime


@dataclass(frozen=True)
class AuditEvent:
    id: int
    at: datetime
    actor: str
    action: str
    subject: str
    details: dict[str, object]

    def to_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "at": self.at.isoformat(),
            "actor": self.actor,
            "action": self.action,
            "subject": self.subject,
            "details": self.details,
        }
