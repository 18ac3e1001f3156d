"""The sync feed through HTTP, and feedback on matches."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from service_helpers import assert_error, bearer, new_key, random_pdq, rt_of


@pytest.fixture
def key(client: TestClient) -> str:
    return new_key(client, "mirror", "sync", "feedback", "review")


def test_feed_pages_and_resumes(client: TestClient, key: str) -> None:
    store = rt_of(client).store
    store.create_bank("feed")
    ids = [store.add_entry("feed", [("pdq", random_pdq(200 + i))], label=f"l{i}") for i in range(5)]
    store.add_entry("feed", [("pdq", random_pdq(300))], note="private note")
    first = client.get("/v1/sync?limit=3", headers=bearer(key)).json()
    assert [item["entry"] for item in first["items"]] == ids[:3]
    assert first["more"] is True
    item = first["items"][0]
    assert item["op"] == "add" and item["bank"] == "feed" and item["label"] == "l0"
    assert item["fingerprints"] == [{"type": "pdq", "value": random_pdq(200)}]
    rest = client.get(f"/v1/sync?cursor={first['cursor']}", headers=bearer(key)).json()
    assert [item["entry"] for item in rest["items"]][:2] == ids[3:]
    assert rest["more"] is False
    assert "private note" not in str(rest)
    store.remove_entry("feed", ids[0])
    later = client.get(f"/v1/sync?cursor={rest['cursor']}", headers=bearer(key)).json()
    assert [(i["op"], i["entry"]) for i in later["items"]] == [("remove", ids[0])]
    empty = client.get(f"/v1/sync?cursor={later['cursor']}", headers=bearer(key)).json()
    assert empty["items"] == [] and empty["cursor"] == later["cursor"]


def test_feed_survives_a_deleted_bank(client: TestClient, key: str) -> None:
    store = rt_of(client).store
    store.create_bank("doomed")
    entry = store.add_entry("doomed", [("pdq", random_pdq(400))])
    store.delete_bank("doomed")
    feed = client.get("/v1/sync", headers=bearer(key))
    assert feed.status_code == 200, feed.text
    assert ("remove", entry) in [(i["op"], i["entry"]) for i in feed.json()["items"]]


@pytest.mark.parametrize(
    "query",
    ["cursor=not-a-cursor", "cursor=djE6LTE", "limit=0", "limit=5001", "limit=x", "cursor=%00"],
)
def test_bad_feed_queries(client: TestClient, key: str, query: str) -> None:
    response = client.get(f"/v1/sync?{query}", headers=bearer(key))
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] in {"invalid-cursor", "invalid-request"}


def test_feedback_is_counted_on_the_entry(client: TestClient, key: str) -> None:
    store = rt_of(client).store
    store.create_bank("fb")
    entry = store.add_entry("fb", [("pdq", random_pdq(500))])
    for verdict in ("correct", "false-positive", "false-positive"):
        body = {"bank": "fb", "entry": entry, "verdict": verdict}
        response = client.post("/v1/feedback", json=body, headers=bearer(key))
        assert response.status_code == 202, response.text
    seen = client.get(f"/v1/banks/fb/entries/{entry}", headers=bearer(key)).json()
    assert seen["confirmed_count"] == 1 and seen["false_positive_count"] == 2
    events = [e for e in store.iter_audit() if e.action == "feedback"]
    assert len(events) == 3 and events[0].actor == "partner:mirror"


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"bank": "fb", "entry": 999, "verdict": "correct"}, 404, "unknown-entry"),
        ({"bank": "nope", "entry": 1, "verdict": "correct"}, 404, "unknown-bank"),
        ({"bank": "fb", "entry": 1, "verdict": "maybe"}, 422, "invalid-request"),
        ({"bank": "fb", "entry": 0, "verdict": "correct"}, 422, "invalid-request"),
        ({"bank": "fb", "entry": "1x", "verdict": "correct"}, 422, "invalid-request"),
        ({"bank": "../x", "entry": 1, "verdict": "correct"}, 422, "invalid-request"),
        ({"bank": "fb", "entry": 2**70, "verdict": "correct"}, 422, "invalid-request"),
        ({"bank": "fb"}, 422, "invalid-request"),
    ],
)
def test_broken_feedback(client: TestClient, key: str, body: dict, status: int, code: str) -> None:
    rt_of(client).store.create_bank("fb")
    assert_error(client.post("/v1/feedback", json=body, headers=bearer(key)), status, code)


def test_entries_reported_as_false_positives_are_flagged(client: TestClient, key: str) -> None:
    store = rt_of(client).store
    store.create_bank("flags")
    noisy = store.add_entry("flags", [("pdq", random_pdq(500))])
    once = store.add_entry("flags", [("pdq", random_pdq(501))])
    for entry, reports in ((noisy, 3), (once, 1)):
        for _ in range(reports):
            body = {"bank": "flags", "entry": entry, "verdict": "false-positive"}
            assert client.post("/v1/feedback", json=body, headers=bearer(key)).status_code == 202
    flagged = client.get("/v1/banks/flags/flagged", headers=bearer(key))
    assert flagged.status_code == 200
    assert [(e["id"], e["false_positive_count"]) for e in flagged.json()] == [(noisy, 3)]
    everything = client.get("/v1/banks/flags/flagged?min_reports=1", headers=bearer(key)).json()
    assert [e["id"] for e in everything] == [noisy, once]
    bad = client.get("/v1/banks/flags/flagged?min_reports=0", headers=bearer(key))
    assert_error(bad, 422, "invalid-request")
    assert_error(client.get("/v1/banks/nope/flagged", headers=bearer(key)), 404, "unknown-bank")
