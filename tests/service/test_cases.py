"""People at risk: create, check, add to and withdraw cases; broken input; media refused."""

from __future__ import annotations

import io
import logging

import numpy as np
import pytest
from fastapi.testclient import TestClient
from PIL import Image
from service_helpers import MakeClient, applied, assert_error, bearer, md5_of, new_key, random_pdq
from skimage import data


def create_case(client: TestClient, *pdqs: str, label: str | None = None) -> tuple[str, str]:
    fingerprints = [
        {"type": "pdq", "value": value, **({"label": label} if label else {})} for value in pdqs
    ]
    response = client.post("/v1/cases", json={"fingerprints": fingerprints})
    assert response.status_code == 201, response.text
    body = response.json()
    return body["case_id"], body["secret"]


def jpeg_bytes() -> bytes:
    out = io.BytesIO()
    Image.fromarray(data.coffee()).save(out, format="JPEG", quality=85)
    return out.getvalue()


def test_create_check_add_withdraw(client: TestClient) -> None:
    case_id, secret = create_case(client, random_pdq(1), label="intimate")
    assert case_id.startswith("c_") and len(case_id) == 24
    headers = {"X-Case-Secret": secret}
    status = client.get(f"/v1/cases/{case_id}", headers=headers)
    assert status.status_code == 200
    assert status.headers["Cache-Control"] == "no-store"
    body = status.json()
    assert body["status"] == "active" and body["fingerprint_count"] == 1
    assert body["case_id"] == case_id and body["created_at"]

    more = {"fingerprints": [{"type": "md5", "value": md5_of("x")}]}
    added = client.post(f"/v1/cases/{case_id}/fingerprints", json=more, headers=headers)
    assert added.status_code == 200, added.text
    assert added.json()["fingerprint_count"] == 2

    withdrawn = client.delete(f"/v1/cases/{case_id}", headers=headers)
    assert withdrawn.status_code == 200, withdrawn.text
    assert withdrawn.json()["status"] == "withdrawn"
    assert withdrawn.json()["fingerprint_count"] == 0
    again = client.post(f"/v1/cases/{case_id}/fingerprints", json=more, headers=headers)
    assert_error(again, 409, "case-withdrawn")


def test_wrong_secret_and_unknown_case_look_the_same(client: TestClient) -> None:
    case_id, _secret = create_case(client, random_pdq(2))
    wrong = client.get(f"/v1/cases/{case_id}", headers={"X-Case-Secret": "nope"})
    unknown = client.get("/v1/cases/c_" + "A" * 22, headers={"X-Case-Secret": "nope"})
    malformed = client.get("/v1/cases/whatever", headers={"X-Case-Secret": "nope"})
    for response in (wrong, unknown, malformed):
        assert_error(response, 404, "case-not-found")
    assert wrong.json() == unknown.json() == malformed.json()
    deleted = client.delete(f"/v1/cases/{case_id}", headers={"X-Case-Secret": "nope"})
    assert_error(deleted, 404, "case-not-found")
    assert_error(client.get(f"/v1/cases/{case_id}"), 422, "invalid-request")  # no header


def test_a_case_locks_after_repeated_wrong_secrets(client: TestClient) -> None:
    case_id, secret = create_case(client, random_pdq(3))
    for _ in range(10):
        client.get(f"/v1/cases/{case_id}", headers={"X-Case-Secret": "wrong"})
    locked = client.get(f"/v1/cases/{case_id}", headers={"X-Case-Secret": secret})
    assert_error(locked, 429, "case-locked")
    assert "Retry-After" in locked.headers


@pytest.mark.parametrize(
    "content_type",
    [
        "image/jpeg",
        "image/png",
        "video/mp4",
        "multipart/form-data; boundary=x",
        "application/octet-stream",
        "IMAGE/JPEG",
    ],
)
def test_media_content_types_are_refused(client: TestClient, content_type: str) -> None:
    response = client.post(
        "/v1/cases", content=jpeg_bytes(), headers={"Content-Type": content_type}
    )
    assert_error(response, 415, "media-not-accepted")


def test_media_bytes_are_refused_whatever_the_content_type(client: TestClient) -> None:
    for path in ("/v1/cases", "/v1/cases/c_" + "A" * 22 + "/fingerprints"):
        response = client.post(
            path, content=jpeg_bytes(), headers={"Content-Type": "application/json"}
        )
        assert_error(response, 415, "media-not-accepted")


def test_multipart_upload_is_refused(client: TestClient) -> None:
    files = {"file": ("photo.jpg", jpeg_bytes(), "image/jpeg")}
    assert_error(client.post("/v1/cases", files=files), 415, "media-not-accepted")


def test_oversized_bodies_are_refused(client: TestClient) -> None:
    big = b'{"fingerprints": [' + b" " * (256 * 1024) + b"]}"
    declared = client.post("/v1/cases", content=big, headers={"Content-Type": "application/json"})
    assert_error(declared, 413, "body-too-large")

    def chunks():  # no Content-Length: the limit holds on what is actually read
        for _ in range(300):
            yield b" " * 1024

    streamed = client.post(
        "/v1/cases", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert_error(streamed, 413, "body-too-large")


BROKEN_BODIES = [
    ("not json", b"{nope"),
    ("json null", b"null"),
    ("a list", b"[]"),
    ("no fingerprints", b"{}"),
    ("empty list", b'{"fingerprints": []}'),
    ("fingerprints not a list", b'{"fingerprints": "pdq"}'),
    ("unknown type", b'{"fingerprints": [{"type": "sha1", "value": "ab"}]}'),
    ("value not text", b'{"fingerprints": [{"type": "pdq", "value": 12}]}'),
    ("missing value", b'{"fingerprints": [{"type": "pdq"}]}'),
    ("extra field", b'{"fingerprints": [{"type": "md5", "value": "' + b"a" * 32 + b'", "x": 1}]}'),
    (
        "nul in label",
        b'{"fingerprints": [{"type": "md5", "value": "' + b"a" * 32 + b'", "label": "a\\u0000b"}]}',
    ),
    (
        "label not text",
        b'{"fingerprints": [{"type": "md5", "value": "' + b"a" * 32 + b'", "label": 5}]}',
    ),
    ("utf-16 junk", '{"fingerprints": 1}'.encode("utf-16")),
]


@pytest.mark.parametrize(("name", "body"), BROKEN_BODIES, ids=[b[0] for b in BROKEN_BODIES])
def test_broken_case_bodies_get_json_422(client: TestClient, name: str, body: bytes) -> None:
    response = client.post("/v1/cases", content=body, headers={"Content-Type": "application/json"})
    assert_error(response, 422, "invalid-request")


@pytest.mark.parametrize("value", ["zz" * 32, "ab" * 31, "ab" * 33, "", "f" * 63 + "g"])
def test_malformed_pdq_values_get_422(client: TestClient, value: str) -> None:
    response = client.post("/v1/cases", json={"fingerprints": [{"type": "pdq", "value": value}]})
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] in {"invalid-fingerprint", "invalid-request"}


def test_too_many_fingerprints_for_one_case(client: TestClient) -> None:
    fingerprints = [{"type": "pdq", "value": random_pdq(1000 + i)} for i in range(201)]
    response = client.post("/v1/cases", json={"fingerprints": fingerprints})
    assert_error(response, 422, "too-many-fingerprints")


def test_plain_text_is_not_json(client: TestClient) -> None:
    response = client.post("/v1/cases", content=b"pdq abc", headers={"Content-Type": "text/plain"})
    assert response.status_code in (415, 422)
    assert "error" in response.json()


def test_case_creations_are_rate_limited_per_address(make_client: MakeClient) -> None:
    client = make_client(case_creations_per_hour=3)
    for seed in range(3):
        create_case(client, random_pdq(seed))
    refused = client.post(
        "/v1/cases", json={"fingerprints": [{"type": "pdq", "value": random_pdq(9)}]}
    )
    assert_error(refused, 429, "rate-limited")
    assert int(refused.headers["Retry-After"]) > 0


def test_secret_attempts_are_rate_limited_per_address(make_client: MakeClient) -> None:
    client = make_client(case_secret_attempts_per_hour=5)
    for _ in range(5):
        client.get("/v1/cases/c_" + "B" * 22, headers={"X-Case-Secret": "guess"})
    refused = client.get("/v1/cases/c_" + "B" * 22, headers={"X-Case-Secret": "guess"})
    assert_error(refused, 429, "rate-limited")


def test_withdrawal_removes_matches_and_reaches_the_feed(client: TestClient) -> None:
    pdq = random_pdq(42)
    case_id, secret = create_case(client, pdq, label="intimate")
    key = new_key(client, "platform", "match", "sync")
    applied(client)
    found = client.post(
        "/v1/match", json={"fingerprints": [{"type": "pdq", "value": pdq}]}, headers=bearer(key)
    ).json()["results"][0]["matches"]
    assert len(found) == 1
    match = found[0]
    assert match["bank"] == "cases" and match["distance"] == 0 and match["action"] == "block"
    assert match["label"] == "intimate"
    assert case_id not in str(found)

    assert (
        client.delete(f"/v1/cases/{case_id}", headers={"X-Case-Secret": secret}).status_code == 200
    )
    applied(client)
    after = client.post(
        "/v1/match", json={"fingerprints": [{"type": "pdq", "value": pdq}]}, headers=bearer(key)
    ).json()["results"][0]["matches"]
    assert after == []
    feed = client.get("/v1/sync", headers=bearer(key)).json()
    ops = [(item["op"], item["entry"]) for item in feed["items"]]
    assert ("remove", match["entry"]) in ops
    assert pdq not in str([item for item in feed["items"] if item["op"] == "add"])
    assert case_id not in str(feed)


def test_secrets_and_hashes_never_reach_the_logs(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    pdq = random_pdq(7)
    case_id, secret = create_case(client, pdq)
    client.get(f"/v1/cases/{case_id}", headers={"X-Case-Secret": secret})
    client.get(f"/v1/cases/{case_id}", headers={"X-Case-Secret": "wrong-guess"})
    client.delete(f"/v1/cases/{case_id}", headers={"X-Case-Secret": secret})
    server = [r for r in caplog.records if not r.name.startswith("httpx")]  # the client's own
    assert any(r.name == "consentry.service.access" for r in server)
    text = "".join(r.getMessage() + str(r.__dict__) for r in server)
    for needle in (secret, "wrong-guess", case_id, pdq):
        assert needle not in text


def test_random_bytes_with_json_type_are_just_invalid(client: TestClient) -> None:
    noise = np.random.default_rng(5).integers(0, 256, 2000, np.uint8).tobytes()
    response = client.post("/v1/cases", content=noise, headers={"Content-Type": "application/json"})
    assert_error(response, 422, "invalid-request")
