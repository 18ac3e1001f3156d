"""Random sequences of store changes: the live index always equals a brute-force reading."""

from __future__ import annotations

import random

import pytest

from consentry.matching.live import LiveMatcher
from consentry.store import Store

from .helpers import flipped, random_pdq

RADIUS = 12


def expected(store: Store, queries: list[str]) -> list[list[tuple[str, int]]]:
    """Brute force over the store: every unsuspended entry with a PDQ hash within radius."""
    rows = []
    for bank in store.list_banks():
        if not bank.enabled:
            continue
        for entry in store.iter_entries(bank.name):
            if entry.suspended:
                continue
            for kind, value in entry.fingerprints:
                if kind == "pdq":
                    rows.append((bank.name, entry.id, int(value, 16), bank.radius))
    answers = []
    for query in queries:
        found = {
            (bank, entry)
            for bank, entry, value, radius in rows
            if (value ^ int(query, 16)).bit_count() <= radius
        }
        answers.append(sorted(found))
    return answers


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_changes(store: Store, seed: int) -> None:
    rng = random.Random(seed)
    for name in ("a", "b"):
        store.create_bank(name, radius=RADIUS)
    live = LiveMatcher(store)
    live.refresh()
    centres = [random_pdq(rng) for _ in range(6)]  # entries cluster, so matches overlap
    hashes: list[str] = []
    entries: list[tuple[str, int]] = []
    for step in range(120):
        op = rng.random()
        if op < 0.45 or not entries:
            bank = rng.choice(["a", "b"])
            value = flipped(rng.choice(centres), rng.randint(0, 10), rng)
            hashes.append(value)
            entries.append((bank, store.add_entry(bank, [("pdq", value)])))
        elif op < 0.65:
            bank, entry = entries.pop(rng.randrange(len(entries)))
            store.remove_entry(bank, entry)
        elif op < 0.85:
            bank, entry = rng.choice(entries)
            store.set_entry_suspended(bank, entry, rng.random() < 0.5)
        elif op < 0.95:
            bank, entry = rng.choice(entries)
            value = flipped(rng.choice(centres), rng.randint(0, 10), rng)
            hashes.append(value)
            store.add_fingerprints(bank, entry, [("pdq", value)])
        else:
            store.update_bank(rng.choice(["a", "b"]), radius=rng.choice([8, RADIUS, 16]))
        if step % 7 == 0:
            live.refresh()
            queries = centres + rng.sample(hashes, min(5, len(hashes)))
            got = [
                sorted((m.bank, m.entry) for m in ms)
                for ms in live.match_values([("pdq", q) for q in queries])
            ]
            assert got == expected(store, queries), f"step {step}"
