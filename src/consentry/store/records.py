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
        }


@dataclass(frozen=True)
class Entry:
    id: int
    bank: str
    label: str | None
    note: str | None
    created_at: datetime
    fingerprints: list[Fingerprint] = field(default_factory=list)

    def to_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "bank": self.bank,
            "label": self.label,
            "note": self.note,
            "created_at": self.created_at.isoformat(),
            "fingerprints": [{"type": t, "value": v} for t, v in self.fingerprints],
        }


@dataclass(frozen=True)
class NewEntry:
    """An entry to add: one or more fingerprints of the same image or video."""

    fingerprints: Sequence[Fingerprint]
    label: str | None = None
    note: str | None = None
