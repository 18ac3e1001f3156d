"""EntryLabels: the live bank's compact entry id -> label table."""

from __future__ import annotations

import random

import pytest

from consentry.matching.entry_labels import EntryLabels


def test_put_get_contains_and_len():
    table = EntryLabels()
    table.put([(5, "intimate"), (2, None), (9, "fake-of-me")])
    assert len(table) == 3
    assert table[5] == "intimate" and table[2] is None and table[9] == "fake-of-me"
    assert 2 in table and 3 not in table and "2" not in table
    with pytest.raises(KeyError):
        table[3]


def test_relabel_keeps_one_entry_and_last_label_in_a_batch_wins():
    table = EntryLabels()
    table.put([(1, "a"), (2, "b")])
    table.put([(1, "c"), (1, "d")])
    assert len(table) == 2 and table[1] == "d" and table[2] == "b"


def test_out_of_order_ids_are_merged():
    table = EntryLabels()
    table.put([(10, "x"), (20, "y")])
    table.put([(15, "z"), (5, "w"), (30, "v")])
    assert [table.get_many([i]).get(i) for i in (5, 10, 15, 20, 30)] == ["w", "x", "z", "y", "v"]
    assert len(table) == 5


def test_drop_returns_what_was_held_and_entries_can_come_back():
    table = EntryLabels()
    table.put([(1, "a"), (2, "b"), (3, "c")])
    assert table.drop([3, 1, 1, 99]) == [1, 3]
    assert len(table) == 1 and 1 not in table and 3 not in table
    assert table.drop([1]) == []
    table.put([(1, "again")])
    assert table[1] == "again" and len(table) == 2


def test_get_many_leaves_out_entries_not_held():
    table = EntryLabels()
    assert table.get_many([1, 2]) == {}
    table.put([(1, "a"), (2, None)])
    table.drop([2])
    assert table.get_many([2, 1, 7]) == {1: "a"}


def test_agrees_with_a_dict_under_random_changes():
    rng = random.Random(3)
    table, model = EntryLabels(), {}
    next_id = 0
    for _ in range(400):
        if rng.random() < 0.6:
            batch = []
            for _ in range(rng.randint(1, 50)):
                if model and rng.random() < 0.2:
                    entry = rng.choice(list(model))  # relabel
                elif rng.random() < 0.1:
                    entry = rng.randint(0, next_id + 5)  # anywhere, possibly dropped before
                else:
                    entry = next_id = next_id + rng.randint(1, 3)
                batch.append((entry, rng.choice(["a", "b", None, f"l{entry}"])))
            table.put(batch)
            model.update(batch)
        else:
            doomed = rng.sample(range(next_id + 2), k=min(30, next_id + 2))
            assert table.drop(doomed) == sorted(e for e in set(doomed) if e in model)
            for entry in doomed:
                model.pop(entry, None)
        assert len(table) == len(model)
    assert table.get_many(range(next_id + 10)) == model


def test_memory_is_a_few_bytes_per_entry():
    table = EntryLabels()
    table.put((entry, "intimate") for entry in range(100_000))
    assert table.nbytes <= 20 * 100_000
