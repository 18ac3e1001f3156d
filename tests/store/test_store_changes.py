"""The change log: written with every entry insert, delete, suspension; read by seq."""

from __future__ import annotations

import pytest
from store_threads import errors_from_threads

from consentry.exchange import import_bank
from consentry.store import NewEntry, Store, StoreError

MD5 = [f"{n:032x}" for n in range(10)]


def ops(store: Store, after: int = 0) -> list[tuple[str, int, str]]:
    return [(c.bank, c.entry_id, c.op) for c in store.changes_since(after)]


def test_empty_log(db_store: Store) -> None:
    assert db_store.last_change_seq() == 0
    assert db_store.changes_since(0) == []


def test_add_and_remove_entries(db_store: Store) -> None:
    db_store.create_bank("b")
    ids = db_store.add_entries("b", [NewEntry([("md5", MD5[0])]), NewEntry([("md5", MD5[1])])])
    db_store.remove_entry("b", ids[0])
    assert ops(db_store) == [("b", ids[0], "add"), ("b", ids[1], "add"), ("b", ids[0], "remove")]
    changes = db_store.changes_since(0)
    assert [c.seq for c in changes] == sorted(c.seq for c in changes)
    assert db_store.last_change_seq() == changes[-1].seq
    assert all(
        c.at.utcoffset() is not None and c.at.utcoffset().total_seconds() == 0 for c in changes
    )


def test_delete_bank_logs_a_remove_per_entry(db_store: Store) -> None:
    db_store.create_bank("gone")
    ids = db_store.add_entries("gone", [NewEntry([("md5", m)]) for m in MD5[:3]])
    before = db_store.last_change_seq()
    db_store.delete_bank("gone")
    assert ops(db_store, before) == [("gone", i, "remove") for i in ids]


def test_add_fingerprints_logs_another_add(db_store: Store) -> None:
    db_store.create_bank("b")
    entry = db_store.add_entry("b", [("md5", MD5[0])])
    before = db_store.last_change_seq()
    assert db_store.add_fingerprints("b", entry, [("md5", MD5[0])]) == 0
    assert db_store.last_change_seq() == before  # nothing new, nothing logged
    assert db_store.add_fingerprints("b", entry, [("md5", MD5[1])]) == 1
    assert ops(db_store, before) == [("b", entry, "add")]


def test_suspension_is_a_remove_and_resumption_an_add(db_store: Store) -> None:
    db_store.create_bank("b")
    entry = db_store.add_entry("b", [("pdq", "f" * 64)])
    generation = db_store.get_bank("b").generation
    before = db_store.last_change_seq()
    db_store.set_entry_suspended("b", entry, True)
    db_store.set_entry_suspended("b", entry, True)  # no change, not logged again
    assert db_store.get_entry("b", entry).suspended is True
    assert list(db_store.iter_fingerprints("b")) == []
    assert list(db_store.iter_fingerprints("b", include_suspended=True)) == [
        (entry, "pdq", "f" * 64)
    ]
    assert db_store.get_bank("b").generation > generation
    db_store.set_entry_suspended("b", entry, False)
    assert ops(db_store, before) == [("b", entry, "remove"), ("b", entry, "add")]
    assert db_store.get_entry("b", entry).suspended is False


def test_suspending_unknown_entries(db_store: Store) -> None:
    db_store.create_bank("b")
    with pytest.raises(StoreError) as info:
        db_store.set_entry_suspended("b", 999, True)
    assert info.value.code == "unknown-entry"
    with pytest.raises(StoreError) as info:
        db_store.set_entry_suspended("nope", 1, True)
    assert info.value.code == "unknown-bank"


def test_a_failed_write_logs_nothing(db_store: Store) -> None:
    db_store.create_bank("b")
    with pytest.raises(StoreError):
        db_store.add_entries("b", [NewEntry([("md5", MD5[0])]), NewEntry([("md5", "bad")])])
    with pytest.raises(StoreError):
        db_store.add_entries("nope", [NewEntry([("md5", MD5[0])])])
    assert db_store.changes_since(0) == []


def test_imports_are_logged(db_store: Store) -> None:
    db_store.create_bank("imp")
    source = "".join(f"md5,{m}\n" for m in MD5[:4])
    report = import_bank(db_store, "imp", ("type,value\n" + source).encode(), format="csv")
    assert report.entries_added == 4
    assert [op for _bank, _entry, op in ops(db_store)] == ["add"] * 4


def test_paging_and_bank_filter(db_store: Store) -> None:
    for name in ("a", "b"):
        db_store.create_bank(name)
    for n in range(6):
        db_store.add_entry("a" if n % 2 else "b", [("md5", MD5[n])])
    first = db_store.changes_since(0, limit=4)
    rest = db_store.changes_since(first[-1].seq, limit=4)
    assert len(first) == 4 and len(rest) == 2
    assert db_store.changes_since(0, limit=0) == []
    only_a = db_store.changes_since(0, banks=["a"])
    assert {c.bank for c in only_a} == {"a"} and len(only_a) == 3
    assert db_store.changes_since(0, banks=[]) == []
    assert db_store.changes_since(db_store.last_change_seq()) == []


def test_entries_by_ids(db_store: Store) -> None:
    db_store.create_bank("a")
    db_store.create_bank("b")
    in_a = db_store.add_entry("a", [("md5", MD5[0]), ("sha256", "a" * 64)], label="x")
    in_b = db_store.add_entry("b", [("md5", MD5[1])])
    found = db_store.entries_by_ids("a", [in_a, in_b, 10**6, -1, True])
    assert list(found) == [in_a]
    assert found[in_a].fingerprints == [("md5", MD5[0]), ("sha256", "a" * 64)]
    assert found[in_a].label == "x" and found[in_a].case_id is None
    assert db_store.entries_by_ids("missing", [in_a]) == {}
    assert db_store.entries_by_ids("a", []) == {}
    many = db_store.add_entries("b", [NewEntry([("md5", f"{n:032x}")]) for n in range(20, 620)])
    assert sorted(db_store.entries_by_ids("b", many)) == many


def test_concurrent_writers_produce_a_gapless_ordered_log(db_url: str) -> None:
    with Store.open_url(db_url) as setup:
        setup.create_bank("busy")

    def write(worker: int) -> None:
        with Store.open_url(db_url) as store:
            for i in range(15):
                store.add_entry("busy", [("md5", f"{worker:08x}{i:024x}")])

    assert errors_from_threads(write, 4) == []
    with Store.open_url(db_url) as store:
        changes = store.changes_since(0)
        assert len(changes) == 60 == store.get_bank("busy").entry_count
        seqs = [c.seq for c in changes]
        assert seqs == list(range(seqs[0], seqs[0] + 60))  # serialised writers: no gaps
        assert sorted(c.entry_id for c in changes) == [c.entry_id for c in changes]
