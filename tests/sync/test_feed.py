"""The sync feed: pages, cursors, tombstones, and what it never shows."""

from __future__ import annotations

import base64

import pytest

from consentry.store import Store
from consentry.sync import (
    MAX_FEED_LIMIT,
    InvalidCursor,
    InvalidLimit,
    decode_cursor,
    encode_cursor,
    feed_page,
)

PDQ_A = "a" * 64
PDQ_B = "b" * 64


def all_items(store: Store, limit: int = 1000, **kwargs: object) -> list[dict]:
    items, cursor = [], None
    while True:
        page = feed_page(store, cursor=cursor, limit=limit, **kwargs)  # type: ignore[arg-type]
        items += page.items
        cursor = page.next_cursor
        if not page.more:
            return items


def test_adds_and_removes_in_order(store: Store) -> None:
    store.create_bank("b")
    first = store.add_entry("b", [("pdq", PDQ_A), ("md5", "0" * 32)], label="l", note="private")
    second = store.add_entry("b", [("pdq", PDQ_B)])
    store.remove_entry("b", second)
    items = all_items(store)
    assert [(i["op"], i["entry"]) for i in items] == [("add", first), ("remove", second)]
    assert items[0] == {
        "seq": items[0]["seq"],
        "op": "add",
        "bank": "b",
        "entry": first,
        "fingerprints": [{"type": "pdq", "value": PDQ_A}, {"type": "md5", "value": "0" * 32}],
        "label": "l",
    }
    assert items[1]["fingerprints"] == [] and items[1]["label"] is None
    assert "private" not in repr(items)  # notes (and case ids) never leave


def test_pages_and_cursor_resume(store: Store) -> None:
    store.create_bank("b")
    ids = [store.add_entry("b", [("pdq", f"{n:064x}")]) for n in range(1, 8)]
    page = feed_page(store, cursor=None, limit=3)
    assert [i["entry"] for i in page.items] == ids[:3] and page.more
    page = feed_page(store, cursor=page.next_cursor, limit=3)
    assert [i["entry"] for i in page.items] == ids[3:6] and page.more
    page = feed_page(store, cursor=page.next_cursor, limit=3)
    assert [i["entry"] for i in page.items] == ids[6:] and not page.more
    again = feed_page(store, cursor=page.next_cursor, limit=3)
    assert again.items == [] and not again.more and again.next_cursor == page.next_cursor
    assert all_items(store, limit=2) == all_items(store)


def test_entries_deleted_or_suspended_since_are_skipped(store: Store) -> None:
    store.create_bank("b")
    gone = store.add_entry("b", [("pdq", PDQ_A)])
    hidden = store.add_entry("b", [("pdq", PDQ_B)])
    store.remove_entry("b", gone)
    store.set_entry_suspended("b", hidden, True)
    page = feed_page(store, cursor=None, limit=2)  # only the two adds: both skipped
    assert page.items == [] and page.more
    rest = feed_page(store, cursor=page.next_cursor)
    assert [(i["op"], i["entry"]) for i in rest.items] == [("remove", gone), ("remove", hidden)]
    store.set_entry_suspended("b", hidden, False)
    resumed = feed_page(store, cursor=rest.next_cursor)
    assert [(i["op"], i["entry"]) for i in resumed.items] == [("add", hidden)]


def test_deleted_bank_sends_tombstones_and_bank_filter(store: Store) -> None:
    store.create_bank("b")
    store.create_bank("c")
    entry = store.add_entry("b", [("pdq", PDQ_A)])
    other = store.add_entry("c", [("pdq", PDQ_B)])
    store.delete_bank("b")
    items = all_items(store)
    assert [(i["op"], i["bank"], i["entry"]) for i in items] == [
        ("add", "c", other),
        ("remove", "b", entry),
    ]
    assert [i["entry"] for i in all_items(store, banks=["c"])] == [other]


def test_cursor_round_trip() -> None:
    for seq in (0, 1, 999, 2**63 - 1):
        assert decode_cursor(encode_cursor(seq)) == seq
    assert decode_cursor(None) == decode_cursor("") == 0


def b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage!",
        "x",
        b64("v1:-1"),
        b64("v1:01"),
        b64("v2:5"),
        b64("v1:5 "),
        b64(f"v1:{2**63}"),
        b64("v1:" + "9" * 40),
        "A" * 100,
        "\u00e9t\u00e9",
    ],
)
def test_broken_cursors_are_refused(store: Store, cursor: str) -> None:
    with pytest.raises(InvalidCursor) as caught:
        feed_page(store, cursor=cursor)
    assert caught.value.code == "invalid-cursor"


@pytest.mark.parametrize("limit", [0, -1, MAX_FEED_LIMIT + 1, True, 2.5, "10"])
def test_broken_limits_are_refused(store: Store, limit: object) -> None:
    with pytest.raises(InvalidLimit):
        feed_page(store, cursor=None, limit=limit)  # type: ignore[arg-type]
