from __future__ import annotations

import secrets
from collections.abc import Callable

import pytest

from consentry.signals.vpdq import VpdqFrame, frames_to_text
from consentry.store import Store


@pytest.fixture
def store(store: Store) -> Store:
    """The shared store, with the two banks these tests move fingerprints between."""
    store.create_bank("src")
    store.create_bank("dst")
    return store


def _random_vpdq(frames: int = 3) -> str:
    return frames_to_text(
        [VpdqFrame(i * 30, float(i), secrets.token_hex(32), 90 + i) for i in range(frames)]
    )


@pytest.fixture
def values() -> dict[str, str]:
    return {
        "pdq": secrets.token_hex(32),
        "md5": secrets.token_hex(16),
        "sha256": secrets.token_hex(32),
        "vpdq": _random_vpdq(),
    }


@pytest.fixture
def random_vpdq() -> Callable[[int], str]:
    return _random_vpdq


@pytest.fixture
def contents(store: Store) -> Callable[[str], list[tuple[object, ...]]]:
    """What an export must preserve: per entry, label, note and sorted fingerprints."""

    def read(bank: str) -> list[tuple[object, ...]]:
        entries = store.iter_entries(bank)
        return sorted(((e.label, e.note, sorted(e.fingerprints)) for e in entries), key=repr)

    return read
