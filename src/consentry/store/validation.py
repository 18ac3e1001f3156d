"""Checks on bank settings and fingerprints before anything reaches the database."""

from __future__ import annotations

import re
from collections.abc import Iterable

from consentry.errors import ConsentryError
from consentry.store.errors import (
    InvalidAction,
    InvalidBankName,
    InvalidEntry,
    InvalidEntryFingerprint,
    InvalidKind,
    InvalidRadius,
)
from consentry.store.models import MAX_LABEL_CHARS
from consentry.store.records import Fingerprint, NewEntry

# ncii: intimate images reported by the people in them, matched for copies.
# protected: public photos of people at risk, matched for fakes made from them.
BANK_KINDS = ("ncii", "protected")
MAX_RADIUS = 256
BANK_ACTIONS = ("block", "review", "allow")
VERDICTS = ("correct", "false-positive")
_BANK_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")


def check_bank_name(name: object) -> str:
    if not isinstance(name, str) or not _BANK_NAME.fullmatch(name):
        raise InvalidBankName(
            f"invalid bank name {name!r}: use 1-64 letters, digits, '_', '.' or '-', "
            "starting with a letter or digit"
        )
    return name


def check_kind(kind: object) -> str:
    if kind not in BANK_KINDS:
        raise InvalidKind(f"unknown bank kind {kind!r}: expected one of {', '.join(BANK_KINDS)}")
    return str(kind)


def check_action(action: object) -> str:
    if action not in BANK_ACTIONS:
        raise InvalidAction(f"unknown action {action!r}: expected one of {', '.join(BANK_ACTIONS)}")
    return str(action)


def check_radius(radius: object) -> int:
    if isinstance(radius, bool) or not isinstance(radius, int) or not 0 <= radius <= MAX_RADIUS:
        raise InvalidRadius(
            f"invalid radius {radius!r}: a PDQ distance is a whole number from 0 to {MAX_RADIUS}"
        )
    return radius


def canonical_fingerprint(kind: object, value: object) -> Fingerprint:
    """Validate one (type, value) pair through ``consentry.signals`` and canonicalise it."""
    from consentry.signals import SIGNAL_TYPES  # imported late: signals pulls in numpy/numba

    name = kind.strip().lower() if isinstance(kind, str) else kind
    signal = SIGNAL_TYPES.get(name) if isinstance(name, str) else None
    if signal is None:
        known = ", ".join(sorted(SIGNAL_TYPES))
        raise InvalidEntryFingerprint(f"unknown fingerprint type {kind!r}: expected one of {known}")
    if not isinstance(value, str):
        raise InvalidEntryFingerprint(f"{name} value must be text, got {type(value).__name__}")
    try:
        return name, signal.parse(value)
    except ConsentryError as error:
        raise InvalidEntryFingerprint(error.message) from error
    except ValueError as error:
        raise InvalidEntryFingerprint(f"invalid {name} value: {error}") from error


def canonical_fingerprints(pairs: Iterable[Fingerprint]) -> list[Fingerprint]:
    """Validate and de-duplicate, keeping the first occurrence's order."""
    seen: dict[Fingerprint, None] = {}
    for pair in pairs:
        if not isinstance(pair, tuple | list) or len(pair) != 2:
            raise InvalidEntryFingerprint(f"a fingerprint is a (type, value) pair, got {pair!r}")
        seen.setdefault(canonical_fingerprint(*pair), None)
    return list(seen)


def check_text(text: object, what: str, max_chars: int | None = None) -> str | None:
    if text is None:
        return None
    if not isinstance(text, str):
        raise InvalidEntry(f"{what} must be text, got {type(text).__name__}")
    if max_chars is not None and len(text) > max_chars:
        raise InvalidEntry(f"{what} is longer than {max_chars} characters")
    return text


def checked_entry(item: NewEntry) -> NewEntry:
    fingerprints = canonical_fingerprints(item.fingerprints)
    if not fingerprints:
        raise InvalidEntry("an entry needs at least one fingerprint")
    return NewEntry(
        fingerprints=fingerprints,
        label=check_text(item.label, "label", MAX_LABEL_CHARS),
        note=check_text(item.note, "note"),
    )
