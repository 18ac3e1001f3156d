"""/v1/review: moderators list decisions, approve or reject them; a verdict posts feedback."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from fastapi.testclient import TestClient
from PIL import Image
from service_helpers import applied, assert_error, bearer, md5_of, new_key, rt_of
from skimage import data
from sqlalchemy import select, update

from consentry.signals import fingerprint
from consentry.store.models import AuditRow, DecisionRow, FeedbackRow, PartnerRow

DECISIONS = "/v1/review/decisions"
FIELDS = {
    "id", "at", "source", "partner", "chat", "reference", "sha256", "pdq", "action", "rule",
    "banks", "decision", "matches", "findings", "review", "reviewed_by", "reviewed_at",
}  # fmt: skip


@dataclass(frozen=True)
class Decided:
    """A policy decision as consentry.decisions records it."""

    action: str
    rule: str | None = "bank-action"
    reasons: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"action": self.action, "rule": self.rule, "reasons": self.reasons}


def match(bank: str, entry: int, distance: int = 4) -> dict[str, Any]:
    return {"bank": bank, "entry": entry, "label": "reported", "distance": distance,
            "signal": "pdq", "kind": "copy", "score": None}  # fmt: skip


def record(client: TestClient, action: str = "review", **given: Any) -> int:
    decision_id: int = rt_of(client).decisions.record(Decided(action), source="api", **given)
    return decision_id


def entries(client: TestClient, bank: str, count: int) -> list[int]:
    store = rt_of(client).store
    store.create_bank(bank, action="review")
    return [
        store.add_entry(bank, [("md5", md5_of(f"{bank}-{n}"))], label="reported")
        for n in range(count)
    ]


def listed(client: TestClient, key: str, **query: Any) -> list[int]:
    response = client.get(DECISIONS, params=query, headers=bearer(key))
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


def set_time(client: TestClient, decision_id: int, at: datetime) -> None:
    with rt_of(client).store.writing() as session:
        session.execute(update(DecisionRow).where(DecisionRow.id == decision_id).values(at=at))


def test_the_review_scope_is_required(client: TestClient) -> None:
    decision_id = record(client)
    matcher = new_key(client, "platform", "match", "feedback")
    admin = new_key(client, "ops", "admin")
    for headers in ({}, bearer("cs_nope_nope")):
        assert_error(client.get(DECISIONS, headers=headers), 401, "unauthenticated")
    for key in (matcher, admin):
        assert_error(client.get(DECISIONS, headers=bearer(key)), 403, "forbidden")
        assert_error(
            client.get(f"{DECISIONS}/{decision_id}", headers=bearer(key)), 403, "forbidden"
        )
        sent = client.post(f"{DECISIONS}/{decision_id}", json={"verdict": "approved"},
                           headers=bearer(key))  # fmt: skip
        assert_error(sent, 403, "forbidden")
    assert rt_of(client).decisions.get(decision_id).review == "pending"


def test_pending_decisions_come_newest_first_with_their_explanation(client: TestClient) -> None:
    reviewer = new_key(client, "moderators", "review")
    new_key(client, "platform", "match")
    blocked = record(client, "block", matches=[match("cases", 1)])
    first = record(client, partner="platform", chat="-1001", reference="https://t.me/c/1/2",
                   sha256="a" * 64, pdq="f" * 64, matches=[match("cases", 3)],
                   findings=[{"signal": "nudity", "source": "opennsfw", "score": 0.1}])  # fmt: skip
    second = record(client)
    assert listed(client, reviewer) == [second, first]
    assert listed(client, reviewer, status="all") == [second, first, blocked]
    body = client.get(DECISIONS, headers=bearer(reviewer)).json()
    assert body["next_before"] is None
    item = body["items"][1]
    assert set(item) == FIELDS
    assert item["partner"] == "platform" and item["chat"] == "-1001"
    assert item["reference"] == "https://t.me/c/1/2" and item["banks"] == ["cases"]
    assert item["sha256"] == "a" * 64 and item["pdq"] == "f" * 64
    assert item["decision"] == {"action": "review", "rule": "bank-action", "reasons": []}
    assert item["matches"] == [match("cases", 3)] and item["findings"][0]["score"] == 0.1
    assert item["review"] == "pending" and item["reviewed_by"] is None
    one = client.get(f"{DECISIONS}/{first}", headers=bearer(reviewer))
    assert one.status_code == 200 and one.json() == item


def test_filters_by_bank_chat_dates_and_status(client: TestClient) -> None:
    reviewer = new_key(client, "moderators", "review")
    old = record(client, chat="a", matches=[match("cases", 1)])
    mid = record(client, chat="b", matches=[match("other", 1), match("cases", 2)])
    new = record(client, chat="a", matches=[match("other", 2)])
    set_time(client, old, datetime(2026, 11, 1, 12, tzinfo=UTC))
    set_time(client, mid, datetime(2026, 11, 15, 23, 30, tzinfo=UTC))
    set_time(client, new, datetime(2026, 12, 1, 0, 0, tzinfo=UTC))
    assert listed(client, reviewer, bank="cases") == [mid, old]
    assert listed(client, reviewer, bank="other", chat="a") == [new]
    assert listed(client, reviewer, chat="b") == [mid]
    assert listed(client, reviewer, since="2026-11-15") == [new, mid]
    assert listed(client, reviewer, until="2026-11-15") == [mid, old]  # the whole day
    assert listed(client, reviewer, until="2026-11-15T23:30:00Z") == [old]  # exclusive
    assert listed(client, reviewer, since="2026-11-16T00:00:00+01:00") == [new, mid]
    assert listed(client, reviewer, since="2026-11-02", until="2026-11-30") == [mid]
    assert listed(client, reviewer, since="2026-12-02") == []
    client.post(f"{DECISIONS}/{old}", json={"verdict": "approved"}, headers=bearer(reviewer))
    client.post(f"{DECISIONS}/{new}", json={"verdict": "rejected"}, headers=bearer(reviewer))
    assert listed(client, reviewer) == [mid]
    assert listed(client, reviewer, status="approved") == [old]
    assert listed(client, reviewer, status="rejected") == [new]
    assert listed(client, reviewer, status="all", chat="a") == [new, old]


def test_pages_follow_next_before_to_the_end(client: TestClient) -> None:
    reviewer = new_key(client, "moderators", "review")
    made = [record(client) for _ in range(5)]
    record(client, "block")
    seen: list[int] = []
    before = None
    for _ in range(5):
        query = {"limit": 2, **({"before": before} if before else {})}
        body = client.get(DECISIONS, params=query, headers=bearer(reviewer)).json()
        seen += [item["id"] for item in body["items"]]
        before = body["next_before"]
        if before is None:
            break
    assert seen == made[::-1]
    assert before is None


def test_approving_posts_correct_feedback_on_each_matched_entry(client: TestClient) -> None:
    reviewer = new_key(client, "moderators", "review")
    first, second = entries(client, "cases", 2)
    decision_id = record(client, matches=[match("cases", first), match("cases", second),
                                          {**match("cases", first), "signal": "md5"}])  # fmt: skip
    response = client.post(
        f"{DECISIONS}/{decision_id}", json={"verdict": "approved"}, headers=bearer(reviewer)
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["review"] == "approved" and body["reviewed_by"] == "moderators"
    assert body["reviewed_at"] is not None and body["id"] == decision_id
    assert body["feedback"] == [
        {"bank": "cases", "entry": first, "verdict": "correct", "recorded": True},
        {"bank": "cases", "entry": second, "verdict": "correct", "recorded": True},
    ]
    store = rt_of(client).store
    assert store.get_entry("cases", first).confirmed_count == 1
    assert store.get_entry("cases", second).confirmed_count == 1
    with store.reading() as session:
        rows = session.execute(
            select(FeedbackRow.entry_id, FeedbackRow.verdict, PartnerRow.name).join(
                PartnerRow, PartnerRow.id == FeedbackRow.partner_id
            )
        ).all()
        audit = session.execute(select(AuditRow.actor, AuditRow.action, AuditRow.subject)).all()
    assert sorted(rows) == sorted([(first, "correct", "moderators"),
                                   (second, "correct", "moderators")])  # fmt: skip
    assert ("moderators", "decision.reviewed", f"decision:{decision_id}") in audit
    assert [a for a in audit if a[1] == "feedback"] == [
        ("partner:moderators", "feedback", "cases")
    ] * 2


def test_rejecting_posts_false_positives_and_skips_entries_gone_since(client: TestClient) -> None:
    reviewer = new_key(client, "moderators", "review")
    kept, removed = entries(client, "cases", 2)
    decision_id = record(client, matches=[match("cases", kept), match("cases", removed),
                                          match("deleted-bank", 1)])  # fmt: skip
    rt_of(client).store.remove_entry("cases", removed)
    response = client.post(
        f"{DECISIONS}/{decision_id}", json={"verdict": "rejected"}, headers=bearer(reviewer)
    )
    assert response.status_code == 200, response.text
    assert response.json()["review"] == "rejected"
    assert [(f["entry"], f["verdict"], f["recorded"]) for f in response.json()["feedback"]] == [
        (kept, "false-positive", True),
        (removed, "false-positive", False),
        (1, "false-positive", False),
    ]
    entry = rt_of(client).store.get_entry("cases", kept)
    assert entry.false_positive_count == 1 and entry.confirmed_count == 0


def test_a_decision_takes_one_verdict_and_unknown_ids_are_404(client: TestClient) -> None:
    reviewer = new_key(client, "moderators", "review")
    (entry,) = entries(client, "cases", 1)
    decision_id = record(client, matches=[match("cases", entry)])
    blocked = record(client, "block", matches=[match("cases", entry)])
    url = f"{DECISIONS}/{decision_id}"
    assert client.post(url, json={"verdict": "approved"}, headers=bearer(reviewer)).is_success
    again = client.post(url, json={"verdict": "rejected"}, headers=bearer(reviewer))
    assert_error(again, 409, "not-pending")
    sent = client.post(f"{DECISIONS}/{blocked}", json={"verdict": "approved"},
                       headers=bearer(reviewer))  # fmt: skip
    assert_error(sent, 409, "not-pending")
    assert client.get(url, headers=bearer(reviewer)).json()["review"] == "approved"
    store_entry = rt_of(client).store.get_entry("cases", entry)
    assert (store_entry.confirmed_count, store_entry.false_positive_count) == (1, 0)
    assert_error(client.get(f"{DECISIONS}/999999", headers=bearer(reviewer)), 404,
                 "unknown-decision")  # fmt: skip
    missing = client.post(f"{DECISIONS}/999999", json={"verdict": "approved"},
                          headers=bearer(reviewer))  # fmt: skip
    assert_error(missing, 404, "unknown-decision")


def test_broken_bodies_and_queries_are_422(client: TestClient) -> None:
    reviewer = new_key(client, "moderators", "review")
    url = f"{DECISIONS}/{record(client)}"
    headers = {**bearer(reviewer), "Content-Type": "application/json"}
    for body in (b"{", b"[]", b"{}", b'{"verdict": "maybe"}', b'{"verdict": "approved", "x": 1}',
                 b'{"verdict": null}'):  # fmt: skip
        assert_error(client.post(url, content=body, headers=headers), 422, "invalid-request")
    for query in ({"limit": 0}, {"limit": 201}, {"status": "done"}, {"since": "yesterday"},
                  {"bank": "no spaces"}, {"before": 0}, {"chat": ""}):  # fmt: skip
        response = client.get(DECISIONS, params=query, headers=bearer(reviewer))
        assert_error(response, 422, "invalid-request")
    for moment in ("2026-13-01", "2026-02-30T10:00:00Z", "0001-01-01T00:00:00+05:00"):
        response = client.get(DECISIONS, params={"since": moment}, headers=bearer(reviewer))
        assert_error(response, 422, "invalid-date")
    far = client.get(DECISIONS, params={"until": "9999-12-31"}, headers=bearer(reviewer))
    assert far.status_code == 200 and len(far.json()["items"]) == 1
    assert rt_of(client).decisions.get(int(url.rsplit("/", 1)[1])).review == "pending"


def test_a_review_decision_from_match_media_is_reviewed_with_feedback(client: TestClient) -> None:
    photo = io.BytesIO()
    Image.fromarray(data.coffee()).save(photo, format="JPEG", quality=90)
    store = rt_of(client).store
    store.create_bank("reports", action="review")  # the bank-action rule sends it to review
    entry = store.add_entry("reports", [("pdq", fingerprint(photo.getvalue()).pdq)],
                            label="reported")  # fmt: skip
    applied(client)
    uploader = new_key(client, "platform", "match")
    reviewer = new_key(client, "moderators", "review")
    sent = client.post(
        "/v1/match/media?decide=true&chat=-1002&reference=msg-7",
        content=photo.getvalue(),
        headers={**bearer(uploader), "Content-Type": "image/jpeg"},
    )
    assert sent.status_code == 200 and sent.json()["decision"]["action"] == "review", sent.text
    (item,) = client.get(DECISIONS, params={"bank": "reports"}, headers=bearer(reviewer)).json()[
        "items"
    ]
    assert item["id"] == sent.json()["decision_id"] and item["partner"] == "platform"
    assert item["chat"] == "-1002" and item["reference"] == "msg-7"
    assert item["rule"] == "bank-action" and item["decision"]["reasons"]
    assert [(m["bank"], m["entry"]) for m in item["matches"]] == [("reports", entry)]
    assert {f["signal"] for f in item["findings"]} >= {"nudity"}
    assert item["sha256"] == sent.json()["fingerprint"]["sha256"]
    reviewed = client.post(
        f"{DECISIONS}/{item['id']}", json={"verdict": "approved"}, headers=bearer(reviewer)
    )
    assert reviewed.json()["feedback"][0]["recorded"] is True
    assert store.get_entry("reports", entry).confirmed_count == 1
