"""/v1/match/media with signals and the policy's decision: returned, recorded, never media."""

from __future__ import annotations

import io
import json

from fastapi.testclient import TestClient
from PIL import Image
from service_helpers import applied, assert_error, bearer, new_key, rt_of
from skimage import data
from sqlalchemy import select

from consentry.decisions import DecisionFilter
from consentry.signals import fingerprint
from consentry.store.models import DecisionRow


def jpeg(rgb) -> bytes:
    out = io.BytesIO()
    Image.fromarray(rgb).save(out, format="JPEG", quality=92)
    return out.getvalue()


def post_media(client: TestClient, key: str, body: bytes, query: str = ""):
    return client.post(
        f"/v1/match/media{query}",
        content=body,
        headers={**bearer(key), "Content-Type": "image/jpeg"},
    )


def test_signals_are_returned_only_when_asked(client: TestClient) -> None:
    key = new_key(client, "uploader", "match")
    photo = jpeg(data.coffee())
    plain = post_media(client, key, photo)
    assert plain.status_code == 200 and plain.json()["findings"] is None
    asked = post_media(client, key, photo, "?signals=nudity,provenance")
    assert asked.status_code == 200, asked.text
    body = asked.json()
    nudity = [f for f in body["findings"] if f["signal"] == "nudity"]
    assert len(nudity) == 1 and nudity[0]["source"] == "opennsfw"
    assert 0.0 <= nudity[0]["score"] < 0.5
    assert body["decision"] is None and body["decision_id"] is None
    assert "findings" not in body["fingerprint"]


def test_decide_applies_the_policy_and_records_it_without_the_media(client: TestClient) -> None:
    photo = jpeg(data.astronaut())
    store = rt_of(client).store
    store.create_bank("cases")
    entry = store.add_entry("cases", [("pdq", fingerprint(photo).pdq)], label="intimate")
    applied(client)
    key = new_key(client, "platform", "match")
    response = post_media(client, key, photo, "?decide=true&chat=-1001&reference=msg-42")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["decision"]["action"] == "block"
    assert body["decision"]["rule"] == "registered-intimate"
    assert [m["entry"] for m in body["matches"]] == [entry]
    # the default policy refers to nudity and provenance: they ran without being asked
    assert {f["signal"] for f in body["findings"]} >= {"nudity"}
    record = rt_of(client).decisions.get(body["decision_id"])
    assert record.action == "block" and record.partner == "platform"
    assert record.chat == "-1001" and record.reference == "msg-42"
    assert record.banks == ("cases",) and record.sha256 == body["fingerprint"]["sha256"]
    with store.reading() as session:
        details = session.scalars(select(DecisionRow.details)).one()
    assert len(details) < 20_000  # fingerprints and reasons, not a file
    assert photo[:48].hex() not in details and photo[100:148].hex() not in details
    json.loads(details)


def test_a_clean_photo_is_allowed_and_review_decisions_wait(client: TestClient) -> None:
    key = new_key(client, "platform", "match")
    allowed = post_media(client, key, jpeg(data.chelsea()), "?decide=true")
    assert allowed.json()["decision"]["action"] == "allow"
    pending = rt_of(client).decisions.list(DecisionFilter(review="pending"))
    assert pending == []


def test_unknown_signal_is_a_clear_error(client: TestClient) -> None:
    key = new_key(client, "uploader", "match")
    response = post_media(client, key, jpeg(data.coffee()), "?signals=nudity,astrology")
    assert_error(response, 422, "unknown-signal")
    assert "astrology" in response.json()["error"]["message"]
