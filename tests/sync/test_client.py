"""The sync client mirrors a remote feed: additions, withdrawals, resuming, bad answers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from consentry.store import Store
from consentry.sync import SyncError, sync_from

from .conftest import KEY

URL = "http://testserver"
PDQ_A = "a" * 64
PDQ_B = "b" * 64


def local_view(store: Store) -> dict[str, list[tuple[str | None, list[tuple[str, str]]]]]:
    return {
        bank.name: [(e.label, e.fingerprints) for e in store.iter_entries(bank.name)]
        for bank in store.list_banks()
    }


def run(client: httpx.Client, store: Store, state: Path, **kwargs: Any) -> Any:
    return sync_from(URL, KEY, store, state_file=state, client=client, **kwargs)


def test_mirror_then_withdraw(
    remote: Store, remote_client: TestClient, store: Store, tmp_path: Path
) -> None:
    state = tmp_path / "state.json"
    remote.create_bank("cases")
    first = remote.add_entry("cases", [("pdq", PDQ_A), ("md5", "0" * 32)], label="intimate")
    remote.add_entry("cases", [("pdq", PDQ_B)], note="operator-only")
    report = run(remote_client, store, state, bank_prefix="hub-")
    assert (report.added, report.removed, report.invalid, report.banks) == (2, 0, 0, ["hub-cases"])
    assert local_view(store) == {
        "hub-cases": [
            ("intimate", [("pdq", PDQ_A), ("md5", "0" * 32)]),
            (None, [("pdq", PDQ_B)]),
        ]
    }
    assert "operator-only" not in repr([e.note for e in store.iter_entries("hub-cases")])
    saved = json.loads(state.read_text())
    assert saved["source"] == URL and saved["cursor"] == report.cursor
    assert KEY not in state.read_text()

    again = run(remote_client, store, state, bank_prefix="hub-")  # nothing new
    assert (again.added, again.removed, again.pages) == (0, 0, 1)

    remote.remove_entry("cases", first)  # the person withdrew
    report = run(remote_client, store, state, bank_prefix="hub-")
    assert report.removed == 1
    assert local_view(store) == {"hub-cases": [(None, [("pdq", PDQ_B)])]}
    assert store.changes_since(0)[-1].op == "remove"  # local live indexes follow too


def test_suspension_and_changed_fingerprints(
    remote: Store, remote_client: TestClient, store: Store, tmp_path: Path
) -> None:
    state = tmp_path / "state.json"
    remote.create_bank("b")
    entry = remote.add_entry("b", [("pdq", PDQ_A)])
    run(remote_client, store, state)
    remote.set_entry_suspended("b", entry, True)
    assert run(remote_client, store, state).removed == 1
    assert local_view(store) == {"b": []}
    remote.set_entry_suspended("b", entry, False)
    assert run(remote_client, store, state).added == 1
    remote.add_fingerprints("b", entry, [("sha256", "c" * 64)])
    assert run(remote_client, store, state).replaced == 1
    assert local_view(store) == {"b": [(None, [("pdq", PDQ_A), ("sha256", "c" * 64)])]}


def test_resumes_and_a_page_applied_twice_changes_nothing(
    remote: Store, remote_client: TestClient, store: Store, tmp_path: Path
) -> None:
    state = tmp_path / "state.json"
    remote.create_bank("b")
    for n in range(1, 8):
        remote.add_entry("b", [("pdq", f"{n:064x}")])
    first = run(remote_client, store, state, page_limit=3, max_pages=1)
    assert (first.added, first.pages) == (3, 1)
    before = state.read_text()
    rest = run(remote_client, store, state, page_limit=3)
    assert rest.added == 4 and len(local_view(store)["b"]) == 7
    state.write_text(before)  # as if the run had crashed before saving its cursor
    replay = run(remote_client, store, state, page_limit=3)
    assert (replay.added, replay.replaced) == (0, 4)
    assert sorted(fp for _, [fp] in local_view(store)["b"]) == sorted(
        ("pdq", f"{n:064x}") for n in range(1, 8)
    )


def answering(*bodies: Any, status: int = 200) -> httpx.Client:
    """A client whose server answers each request with the next body (then the last)."""
    queue = list(bodies)

    def handle(request: httpx.Request) -> httpx.Response:
        assert request.headers["authorization"] == f"Bearer {KEY}"
        body = queue.pop(0) if len(queue) > 1 else queue[0]
        if isinstance(body, httpx.Response):
            return body
        if isinstance(body, bytes):
            return httpx.Response(status, content=body)
        return httpx.Response(status, json=body)

    return httpx.Client(transport=httpx.MockTransport(handle))


GOOD_ADD = {
    "seq": 1,
    "op": "add",
    "bank": "b",
    "entry": 1,
    "fingerprints": [{"type": "pdq", "value": PDQ_A}],
    "label": None,
}


@pytest.mark.parametrize(
    "bad_item",
    [
        "text",
        {**GOOD_ADD, "op": "upsert"},
        {**GOOD_ADD, "entry": "1"},
        {**GOOD_ADD, "entry": True},
        {**GOOD_ADD, "entry": -4},
        {**GOOD_ADD, "bank": None},
        {**GOOD_ADD, "bank": "../etc"},
        {**GOOD_ADD, "bank": 7},
        {**GOOD_ADD, "fingerprints": "pdq"},
        {**GOOD_ADD, "fingerprints": []},
        {**GOOD_ADD, "fingerprints": [{"type": "pdq", "value": "zz"}]},
        {**GOOD_ADD, "fingerprints": [{"type": "jpeg", "value": "00"}]},
        {**GOOD_ADD, "fingerprints": [["pdq", PDQ_A]]},
        {**GOOD_ADD, "label": 5},
        {**GOOD_ADD, "op": "remove", "entry": 0},
    ],
)
def test_invalid_items_are_skipped_and_counted(bad_item: Any, store: Store, tmp_path: Path) -> None:
    good = {**GOOD_ADD, "entry": 2, "seq": 2, "fingerprints": [{"type": "pdq", "value": PDQ_B}]}
    client = answering({"items": [bad_item, good], "cursor": "Yz", "more": False})
    report = run(client, store, tmp_path / "s.json")
    assert (report.invalid, report.added) == (1, 1)
    assert local_view(store) == {"b": [(None, [("pdq", PDQ_B)])]}


@pytest.mark.parametrize(
    "body",
    [
        b"<html>not json</html>",
        [],
        {"items": [], "more": False},
        {"items": {}, "cursor": "Yz", "more": False},
        {"items": [], "cursor": "", "more": False},
        {"items": [], "cursor": "Yz", "more": "no"},
        {"items": [], "cursor": 5, "more": False},
        {"items": [], "cursor": "Y" * 300, "more": False},
    ],
)
def test_broken_answers_fail_cleanly(body: Any, store: Store, tmp_path: Path) -> None:
    state = tmp_path / "s.json"
    with pytest.raises(SyncError) as caught:
        run(answering(body), store, state)
    assert caught.value.code == "sync-bad-response"
    assert not state.exists()


def test_refused_key(remote_client: TestClient, store: Store, tmp_path: Path) -> None:
    with pytest.raises(SyncError) as caught:
        sync_from(URL, "cs_wrong", store, state_file=tmp_path / "s", client=remote_client)
    assert caught.value.code == "sync-unauthorized"
    assert "cs_wrong" not in caught.value.message


def test_retries_unavailable_then_succeeds(store: Store, tmp_path: Path) -> None:
    busy = httpx.Response(503, json={"error": {"code": "unavailable", "message": "x"}})
    limited = httpx.Response(429, headers={"Retry-After": "7"})
    ok = {"items": [GOOD_ADD], "cursor": "Yz", "more": False}
    waits: list[float] = []
    report = run(answering(busy, limited, ok), store, tmp_path / "s", sleep=waits.append)
    assert report.added == 1 and waits == [1.0, 7.0]
    with pytest.raises(SyncError) as caught:
        run(answering(busy), store, tmp_path / "t", sleep=waits.append)
    assert caught.value.code == "sync-unavailable"


def test_unreachable(store: Store, tmp_path: Path) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    client = httpx.Client(transport=httpx.MockTransport(refuse))
    with pytest.raises(SyncError) as caught:
        run(client, store, tmp_path / "s", sleep=lambda _s: None)
    assert caught.value.code == "sync-unreachable"


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("http://registry.example", "insecure-url"),
        ("ftp://registry.example", "invalid-url"),
        ("registry.example", "invalid-url"),
    ],
)
def test_urls_refused(url: str, code: str, store: Store, tmp_path: Path) -> None:
    with pytest.raises(SyncError) as caught:
        sync_from(url, KEY, store, state_file=tmp_path / "s")
    assert caught.value.code == code


@pytest.mark.parametrize(
    ("content", "code"),
    [
        ("{not json", "sync-state-unreadable"),
        ('{"version": 9, "cursor": "x", "source": "http://testserver"}', "sync-state-unreadable"),
        ('{"version": 1, "cursor": "x", "source": "http://elsewhere"}', "sync-state-mismatch"),
    ],
)
def test_bad_state_files(
    content: str, code: str, remote_client: TestClient, store: Store, tmp_path: Path
) -> None:
    state = tmp_path / "s.json"
    state.write_text(content)
    with pytest.raises(SyncError) as caught:
        run(remote_client, store, state)
    assert caught.value.code == code


def test_protected_photos_are_mirrored_into_a_protected_bank(
    remote: Store, remote_client: TestClient, store: Store, tmp_path: Path
) -> None:
    from skimage import data

    from consentry.signals.regions import region_fingerprint

    regions = region_fingerprint(data.astronaut()).to_text()
    remote.create_bank("public-photos", kind="protected")
    remote.add_entry(
        "public-photos", [("pdq", PDQ_A), ("regions", regions)], label="protected-public-photo"
    )
    report = run(remote_client, store, tmp_path / "state.json")
    assert report.added == 1
    assert store.get_bank("public-photos").kind == "protected"
    assert local_view(store)["public-photos"] == [
        ("protected-public-photo", [("pdq", PDQ_A), ("regions", regions)])
    ]
