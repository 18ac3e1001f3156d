from __future__ import annotations

import secrets
from collections.abc import Callable
from pathlib import Path

import pytest

from consentry.store import NewEntry, Store, StoreError


def pdq() -> str:
    return secrets.token_hex(32)


@pytest.fixture
def bank(store: Store) -> str:
    return store.create_bank("main").name


def test_add_and_read_entry(store: Store, bank: str) -> None:
    value = pdq()
    entry_id = store.add_entry(bank, [("pdq", value), ("md5", "a" * 32)], label="L", note="N")
    entry = store.get_entry(bank, entry_id)
    assert entry.id == entry_id
    assert (entry.bank, entry.label, entry.note) == (bank, "L", "N")
    assert entry.fingerprints == [("pdq", value), ("md5", "a" * 32)]
    assert entry.created_at.tzinfo is not None
    assert store.get_bank(bank).entry_count == 1


def test_values_are_canonicalised(store: Store, bank: str) -> None:
    value = pdq()
    entry_id = store.add_entry(bank, [(" PDQ ", "  " + value.upper() + "\n")])
    assert store.get_entry(bank, entry_id).fingerprints == [("pdq", value)]


def test_duplicate_fingerprints_in_one_entry_are_collapsed(store: Store, bank: str) -> None:
    value = pdq()
    entry_id = store.add_entry(bank, [("pdq", value), ("pdq", value.upper())])
    assert store.get_entry(bank, entry_id).fingerprints == [("pdq", value)]


@pytest.mark.parametrize(
    "pair",
    [
        ("pdq", "xyz"),
        ("pdq", "0" * 63),
        ("pdq", "0" * 65),
        ("md5", "g" * 32),
        ("sha256", "0" * 32),
        ("tmk", "0" * 64),
        ("", "0" * 64),
        ("pdq", None),
        ("pdq", 12),
    ],
)
def test_invalid_fingerprint(store: Store, bank: str, pair: tuple[object, object]) -> None:
    with pytest.raises(StoreError) as info:
        store.add_entry(bank, [pair])  # type: ignore[list-item]
    assert info.value.code == "invalid-fingerprint"
    assert store.get_bank(bank).entry_count == 0


def test_entry_without_fingerprints(store: Store, bank: str) -> None:
    with pytest.raises(StoreError) as info:
        store.add_entry(bank, [])
    assert info.value.code == "invalid-entry"


def test_label_too_long(store: Store, bank: str) -> None:
    with pytest.raises(StoreError) as info:
        store.add_entry(bank, [("pdq", pdq())], label="x" * 1025)
    assert info.value.code == "invalid-entry"


def test_add_entries_is_all_or_nothing(store: Store, bank: str) -> None:
    items = [NewEntry([("pdq", pdq())]), NewEntry([("pdq", "bad")]), NewEntry([("pdq", pdq())])]
    with pytest.raises(StoreError) as info:
        store.add_entries(bank, items)
    assert info.value.code == "invalid-fingerprint"
    assert store.get_bank(bank).entry_count == 0


def test_add_entries_returns_ids_in_order(store: Store, bank: str) -> None:
    values = [pdq() for _ in range(1203)]  # more than one insert batch
    items = [NewEntry([("pdq", v)], label=str(i)) for i, v in enumerate(values)]
    ids = store.add_entries(bank, items)
    assert len(ids) == len(set(ids)) == 1203
    assert ids == sorted(ids)
    for index in (0, 500, 1202):
        entry = store.get_entry(bank, ids[index])
        assert entry.label == str(index)
        assert entry.fingerprints == [("pdq", values[index])]


def test_iter_entries_pages_through_everything(store: Store, bank: str) -> None:
    ids = [store.add_entry(bank, [("pdq", pdq()), ("md5", f"{i:032x}")]) for i in range(7)]
    entries = list(store.iter_entries(bank, batch_size=3))
    assert [e.id for e in entries] == ids
    assert all(len(e.fingerprints) == 2 for e in entries)
    assert entries[4].fingerprints[1] == ("md5", f"{4:032x}")


def test_iter_entries_only_this_bank(store: Store, bank: str) -> None:
    store.create_bank("other")
    store.add_entry("other", [("pdq", pdq())])
    mine = store.add_entry(bank, [("pdq", pdq())])
    assert [e.id for e in store.iter_entries(bank)] == [mine]


def test_remove_entry_deletes_fingerprint_rows(
    store: Store, bank: str, count_rows: Callable[[str], int]
) -> None:
    keep = store.add_entry(bank, [("pdq", pdq())])
    gone = store.add_entry(bank, [("pdq", pdq()), ("md5", "b" * 32)])
    assert count_rows("fingerprints") == 3
    store.remove_entry(bank, gone)
    assert count_rows("fingerprints") == 1
    assert count_rows("entries") == 1
    assert [e.id for e in store.iter_entries(bank)] == [keep]
    with pytest.raises(StoreError) as info:
        store.get_entry(bank, gone)
    assert info.value.code == "unknown-entry"


@pytest.mark.parametrize("entry_id", [999, 0, -1, True, "1", None])
def test_remove_unknown_entry(store: Store, bank: str, entry_id: object) -> None:
    store.add_entry(bank, [("pdq", pdq())])
    with pytest.raises(StoreError) as info:
        store.remove_entry(bank, entry_id)  # type: ignore[arg-type]
    assert info.value.code == "unknown-entry"
    assert store.get_bank(bank).entry_count == 1


def test_remove_entry_of_another_bank(store: Store, bank: str) -> None:
    store.create_bank("other")
    theirs = store.add_entry("other", [("pdq", pdq())])
    with pytest.raises(StoreError) as info:
        store.remove_entry(bank, theirs)
    assert info.value.code == "unknown-entry"
    assert store.get_bank("other").entry_count == 1


def test_delete_bank_cascades(store: Store, bank: str, count_rows: Callable[[str], int]) -> None:
    store.create_bank("other")
    store.add_entry("other", [("pdq", pdq())])
    for _ in range(3):
        store.add_entry(bank, [("pdq", pdq()), ("sha256", secrets.token_hex(32))])
    assert count_rows("fingerprints") == 7
    store.delete_bank(bank)
    assert count_rows("banks") == 1
    assert count_rows("entries") == 1
    assert count_rows("fingerprints") == 1


def test_removed_values_are_gone_from_the_file(home: Path) -> None:
    secret_value = pdq()
    with Store.open(home) as store:
        store.create_bank("b")
        entry_id = store.add_entry("b", [("pdq", secret_value)], label="remove-me-label")
        store.add_entry("b", [("pdq", pdq())])
        store.remove_entry("b", entry_id)
    # Closing checkpoints the WAL; secure_delete zeroes freed cells.
    leftovers = [p for p in home.iterdir() if p.name.startswith("consentry.db")]
    assert leftovers
    for path in leftovers:
        data = path.read_bytes()
        assert secret_value.encode() not in data
        assert b"remove-me-label" not in data


def test_ids_are_never_reused(store: Store, bank: str) -> None:
    first = store.add_entry(bank, [("pdq", pdq())])
    store.remove_entry(bank, first)
    second = store.add_entry(bank, [("pdq", pdq())])
    assert second > first
    old_bank_id = store.get_bank(bank).id
    store.delete_bank(bank)
    assert store.create_bank(bank).id > old_bank_id


def test_generation_moves_on_every_change(store: Store, bank: str) -> None:
    seen = [store.get_bank(bank).generation]
    entry_id = store.add_entry(bank, [("pdq", pdq())])
    seen.append(store.get_bank(bank).generation)
    store.add_fingerprints(bank, entry_id, [("md5", "c" * 32)])
    seen.append(store.get_bank(bank).generation)
    store.remove_entry(bank, entry_id)
    seen.append(store.get_bank(bank).generation)
    assert seen == sorted(set(seen))


def test_add_fingerprints_to_entry(store: Store, bank: str) -> None:
    value = pdq()
    entry_id = store.add_entry(bank, [("pdq", value)])
    assert store.add_fingerprints(bank, entry_id, [("pdq", value), ("md5", "d" * 32)]) == 1
    assert store.get_entry(bank, entry_id).fingerprints == [("pdq", value), ("md5", "d" * 32)]
    with pytest.raises(StoreError) as info:
        store.add_fingerprints(bank, entry_id + 100, [("md5", "e" * 32)])
    assert info.value.code == "unknown-entry"


def test_find_fingerprint(store: Store, bank: str) -> None:
    value = pdq()
    a = store.add_entry(bank, [("pdq", value)], label="a")
    b = store.add_entry(bank, [("pdq", value), ("md5", "f" * 32)], label="b")
    assert store.find_fingerprint(bank, "pdq", value.upper()) == [(a, "a"), (b, "b")]
    assert store.find_fingerprint(bank, "md5", "f" * 32) == [(b, "b")]
    assert store.find_fingerprint(bank, "md5", "0" * 32) == []


def test_iter_fingerprints_and_labels(store: Store, bank: str) -> None:
    value = pdq()
    a = store.add_entry(bank, [("pdq", value), ("md5", "1" * 32)], label="first")
    b = store.add_entry(bank, [("sha256", "2" * 64)])
    assert list(store.iter_fingerprints(bank, types=["pdq"])) == [(a, "pdq", value)]
    assert len(list(store.iter_fingerprints(bank))) == 3
    assert store.entry_labels(bank, [a, b, 12345]) == {a: "first", b: None}
