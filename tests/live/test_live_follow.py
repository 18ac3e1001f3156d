"""LiveMatcher follows every kind of change in the store, applied with refresh()."""

from __future__ import annotations

import random

import pytest

from consentry.matching.live import InvalidQueryFingerprint, LiveMatcher
from consentry.store import Store, UnknownBank

from .helpers import flipped, random_pdq


def matched(live: LiveMatcher, pdq: str, **kwargs: object) -> list[tuple[str, int]]:
    [matches] = live.match_values([("pdq", pdq)], **kwargs)  # type: ignore[arg-type]
    return [(m.bank, m.entry) for m in matches]


@pytest.fixture
def live(store: Store) -> LiveMatcher:
    matcher = LiveMatcher(store)
    matcher.refresh()
    return matcher


def test_start_reads_existing_entries_and_skips_suspended(store: Store, rng: random.Random) -> None:
    store.create_bank("b")
    kept, hidden = random_pdq(rng), random_pdq(rng)
    kept_id = store.add_entry("b", [("pdq", kept)], label="kept")
    hidden_id = store.add_entry("b", [("pdq", hidden)])
    store.set_entry_suspended("b", hidden_id, True)
    live = LiveMatcher(store)
    assert not live.ready
    live.refresh()
    assert live.ready and live.last_seq == store.last_change_seq()
    assert matched(live, kept) == [("b", kept_id)]
    assert matched(live, hidden) == []
    assert live.size == 1


def test_addition_and_removal_apply_on_refresh(
    store: Store, live: LiveMatcher, rng: random.Random
) -> None:
    store.create_bank("b")
    pdq = random_pdq(rng)
    entry = store.add_entry("b", [("pdq", pdq)], label="x")
    assert matched(live, pdq) == []  # not applied yet
    assert live.refresh() >= 1
    [[match]] = live.match_values([("pdq", pdq)])
    assert (match.bank, match.entry, match.label, match.distance) == ("b", entry, "x", 0)
    store.remove_entry("b", entry)
    assert live.refresh() == 1
    assert matched(live, pdq) == []
    assert live.size == 0


def test_suspension_and_unsuspension(store: Store, live: LiveMatcher, rng: random.Random) -> None:
    store.create_bank("b")
    pdq = random_pdq(rng)
    entry = store.add_entry("b", [("pdq", pdq), ("md5", "a" * 32)])
    live.refresh()
    store.set_entry_suspended("b", entry, True)
    live.refresh()
    assert matched(live, pdq) == []
    assert live.match_values([("md5", "a" * 32)]) == [[]]
    store.set_entry_suspended("b", entry, False)
    live.refresh()
    assert matched(live, pdq) == [("b", entry)]


def test_added_fingerprints_replace_the_entry(
    store: Store, live: LiveMatcher, rng: random.Random
) -> None:
    store.create_bank("b")
    first, second = random_pdq(rng), random_pdq(rng)
    entry = store.add_entry("b", [("pdq", first)])
    live.refresh()
    store.add_fingerprints("b", entry, [("pdq", second), ("sha256", "c" * 64)])
    live.refresh()
    assert matched(live, first) == matched(live, second) == [("b", entry)]
    assert [[m.entry for m in ms] for ms in live.match_values([("sha256", "c" * 64)])] == [[entry]]
    assert len(live._banks["b"].pdq) == 2  # replaced, not indexed twice


def test_bank_settings_follow(store: Store, live: LiveMatcher, rng: random.Random) -> None:
    store.create_bank("b", radius=10)
    pdq = random_pdq(rng)
    entry = store.add_entry("b", [("pdq", pdq)])
    live.refresh()
    far = flipped(pdq, 20, rng)
    assert matched(live, far) == []
    store.update_bank("b", radius=20, action="review")
    live.refresh()
    assert matched(live, far) == [("b", entry)]
    assert live.bank_action("b") == "review"
    assert live.bank_settings()["b"].radius == 20
    store.update_bank("b", enabled=False)
    live.refresh()
    assert matched(live, pdq) == []
    store.update_bank("b", enabled=True)
    live.refresh()
    assert matched(live, pdq) == [("b", entry)]


def test_deleted_bank_and_a_new_bank_of_the_same_name(
    store: Store, live: LiveMatcher, rng: random.Random
) -> None:
    store.create_bank("b")
    old, new = random_pdq(rng), random_pdq(rng)
    store.add_entry("b", [("pdq", old)])
    live.refresh()
    store.delete_bank("b")
    store.create_bank("b")
    new_id = store.add_entry("b", [("pdq", new)])
    live.refresh()
    assert matched(live, old) == []
    assert matched(live, new) == [("b", new_id)]
    store.delete_bank("b")
    live.refresh()
    assert "b" not in live.bank_settings()
    with pytest.raises(UnknownBank):
        live.match_values([("pdq", new)], banks=["b"])


def test_changes_seen_twice_are_harmless(store: Store, rng: random.Random) -> None:
    """The start-up snapshot overlaps the first changes read: nothing is indexed twice."""
    store.create_bank("b")
    pdq = random_pdq(rng)
    entry = store.add_entry("b", [("pdq", pdq)])
    live = LiveMatcher(store)
    live.refresh()
    live.last_seq = 0  # replay the whole log over the snapshot
    live.refresh()
    assert len(live._banks["b"].pdq) == 1
    assert matched(live, pdq) == [("b", entry)]


def test_radius_boundary_digests_and_input_order(
    store: Store, live: LiveMatcher, rng: random.Random
) -> None:
    store.create_bank("b", radius=31)
    store.create_bank("other", radius=31)
    pdq = random_pdq(rng)
    entry = store.add_entry("b", [("pdq", pdq), ("md5", "ab" * 16), ("sha256", "cd" * 32)])
    other = store.add_entry("other", [("pdq", flipped(pdq, 3, rng))], label="o")
    live.refresh()
    inputs = [
        ("sha256", "CD" * 32),  # canonicalised
        ("pdq", flipped(pdq, 31, rng)),
        ("pdq", flipped(pdq, 32, rng)),
        ("md5", "ab" * 16),
        ("pdq", pdq),
    ]
    results = live.match_values(inputs)
    assert [[(m.bank, m.entry, m.signal) for m in ms] for ms in results] == [
        [("b", entry, "sha256")],
        [("b", entry, "pdq")],
        [],
        [("b", entry, "md5")],
        [("b", entry, "pdq"), ("other", other, "pdq")],
    ]
    assert [m.distance for m in results[4]] == [0, 3]
    assert live.match_values(inputs[4:], banks=["other"])[0][0].entry == other
    assert live.match_values([]) == []


@pytest.mark.parametrize(
    "bad",
    [("pdq", "xyz"), ("nope", "00"), ("md5", 5), ("pdq",), "pdq", ("vpdq", "1,2,3")],
)
def test_invalid_inputs_are_refused_with_their_position(
    live: LiveMatcher, bad: object, rng: random.Random
) -> None:
    with pytest.raises(InvalidQueryFingerprint) as caught:
        live.match_values([("pdq", random_pdq(rng)), bad])  # type: ignore[list-item]
    assert caught.value.code == "invalid-fingerprint"
    assert caught.value.message.startswith("fingerprint 1:")


def test_two_matchers_on_one_store_both_follow(store: Store, rng: random.Random) -> None:
    """Every worker process runs its own LiveMatcher over the same database."""
    store.create_bank("b")
    first, second = LiveMatcher(store), LiveMatcher(store)
    first.refresh()
    second.refresh()
    pdq = random_pdq(rng)
    entry = store.add_entry("b", [("pdq", pdq)])
    first.refresh()
    second.refresh()
    assert matched(first, pdq) == matched(second, pdq) == [("b", entry)]
    store.remove_entry("b", entry)
    first.refresh()
    second.refresh()
    assert matched(first, pdq) == matched(second, pdq) == []
