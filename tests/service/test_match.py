"""Matching fingerprints and media through the live index."""

from __future__ import annotations

import io

import numpy as np
import pytest
from fastapi.testclient import TestClient
from PIL import Image
from service_helpers import (
    MakeClient,
    applied,
    assert_error,
    bearer,
    flip_bits,
    md5_of,
    new_key,
    random_pdq,
    rt_of,
)
from skimage import data

from consentry.signals import fingerprint


@pytest.fixture
def banked(client: TestClient) -> dict[str, object]:
    """A bank with two PDQ entries and one MD5 entry; a key with every scope."""
    store = rt_of(client).store
    store.create_bank("known", radius=31)
    first, second = random_pdq(100), random_pdq(101)
    ids = [
        store.add_entry("known", [("pdq", first)], label="one"),
        store.add_entry("known", [("pdq", second)], label="two"),
        store.add_entry("known", [("md5", md5_of("three"))], label="three"),
    ]
    applied(client)
    key = new_key(client, "platform", "match", "admin", "feedback")
    return {"first": first, "second": second, "ids": ids, "key": key}


def match(client: TestClient, key: str, *pairs: tuple[str, str]) -> list[list[dict]]:
    body = {"fingerprints": [{"type": t, "value": v} for t, v in pairs]}
    response = client.post("/v1/match", json=body, headers=bearer(key))
    assert response.status_code == 200, response.text
    return [result["matches"] for result in response.json()["results"]]


def test_results_come_in_input_order(client: TestClient, banked: dict) -> None:
    key, ids = banked["key"], banked["ids"]
    results = match(
        client,
        key,
        ("pdq", banked["second"]),
        ("pdq", random_pdq(999)),
        ("pdq", flip_bits(banked["first"], 10)),
        ("md5", md5_of("three")),
        ("md5", md5_of("nothing")),
    )
    assert [[m["entry"] for m in r] for r in results] == [[ids[1]], [], [ids[0]], [ids[2]], []]
    near = results[2][0]
    assert near == {
        "bank": "known",
        "entry": ids[0],
        "distance": 10,
        "label": "one",
        "action": "block",
        "signal": "pdq",
        "transform": "original",
        "kind": "copy",
        "score": None,
        "region": None,
    }


def test_bank_settings_apply(client: TestClient, banked: dict) -> None:
    key, first = banked["key"], banked["first"]
    changed = client.patch("/v1/banks/known", json={"action": "review"}, headers=bearer(key))
    assert changed.status_code == 200 and changed.json()["action"] == "review"
    applied(client)
    assert match(client, key, ("pdq", first))[0][0]["action"] == "review"
    client.patch("/v1/banks/known", json={"radius": 5}, headers=bearer(key))
    applied(client)
    assert match(client, key, ("pdq", flip_bits(first, 10))) == [[]]
    client.patch("/v1/banks/known", json={"enabled": False}, headers=bearer(key))
    applied(client)
    assert match(client, key, ("pdq", first)) == [[]]


def test_suspended_entries_stop_matching(client: TestClient, banked: dict) -> None:
    key, first, ids = banked["key"], banked["first"], banked["ids"]
    path = f"/v1/banks/known/entries/{ids[0]}/suspend"
    suspended = client.post(path, headers=bearer(key))
    assert suspended.status_code == 200 and suspended.json()["suspended"] is True
    applied(client)
    assert match(client, key, ("pdq", first)) == [[]]
    resumed = client.post(path, json={"suspended": False}, headers=bearer(key))
    assert resumed.json()["suspended"] is False
    applied(client)
    assert match(client, key, ("pdq", first))[0][0]["entry"] == ids[0]


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"fingerprints": []}, "invalid-request"),
        ({}, "invalid-request"),
        ({"fingerprints": [{"type": "pdq"}]}, "invalid-request"),
        ({"fingerprints": [{"type": "pdq", "value": "xyz"}]}, "invalid-request"),
        ({"fingerprints": [{"type": "vpdq", "value": "xyz"}]}, "invalid-fingerprint"),
        ({"fingerprints": [{"type": "md5", "value": "ab" * 16, "label": "x"}]}, "invalid-request"),
        ({"fingerprints": [{"type": "phash", "value": "ab"}]}, "invalid-request"),
        ([1, 2], "invalid-request"),
    ],
)
def test_broken_match_bodies(client: TestClient, banked: dict, body: object, code: str) -> None:
    response = client.post("/v1/match", json=body, headers=bearer(banked["key"]))
    assert_error(response, 422, code)


def test_bad_value_is_named_by_position(client: TestClient, banked: dict) -> None:
    body = {
        "fingerprints": [{"type": "pdq", "value": random_pdq(1)}, {"type": "vpdq", "value": "q"}]
    }
    response = client.post("/v1/match", json=body, headers=bearer(banked["key"]))
    assert_error(response, 422, "invalid-fingerprint")
    assert "fingerprints[1]" in response.json()["error"]["message"]


def test_batch_size_bounds(client: TestClient, banked: dict) -> None:
    many = [{"type": "md5", "value": md5_of(str(i))} for i in range(10_000)]
    ok = client.post("/v1/match", json={"fingerprints": many}, headers=bearer(banked["key"]))
    assert ok.status_code == 200 and len(ok.json()["results"]) == 10_000
    many.append({"type": "md5", "value": md5_of("one more")})
    over = client.post("/v1/match", json={"fingerprints": many}, headers=bearer(banked["key"]))
    assert_error(over, 422, "invalid-request")


def jpeg(rgb: np.ndarray) -> bytes:
    out = io.BytesIO()
    Image.fromarray(rgb).save(out, format="JPEG", quality=90)
    return out.getvalue()


def test_media_is_hashed_in_memory_and_matched(client: TestClient) -> None:
    photo = jpeg(data.astronaut())
    banked_fp = fingerprint(photo)
    store = rt_of(client).store
    store.create_bank("photos")
    entry = store.add_entry("photos", [("pdq", banked_fp.pdq)], label="astronaut")
    applied(client)
    key = new_key(client, "uploader", "match")
    smaller = io.BytesIO()
    Image.fromarray(data.astronaut()).resize((300, 300)).save(smaller, format="PNG")
    response = client.post(
        "/v1/match/media",
        content=smaller.getvalue(),
        headers={**bearer(key), "Content-Type": "image/png"},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["fingerprint"]["kind"] == "image" and body["fingerprint"]["pdq"]
    assert "path" not in body["fingerprint"]
    assert [m["entry"] for m in body["matches"]] == [entry]
    other = client.post(
        "/v1/match/media",
        content=jpeg(data.coffee()),
        headers={**bearer(key), "Content-Type": "application/octet-stream"},
    )
    assert other.status_code == 200 and other.json()["matches"] == []


def test_media_errors(make_client: MakeClient) -> None:
    client = make_client(media_body_bytes=100_000)
    key = new_key(client, "uploader", "match")
    headers = {**bearer(key), "Content-Type": "application/octet-stream"}
    assert_error(client.post("/v1/match/media", content=b"", headers=headers), 422, "empty-body")
    not_media = client.post("/v1/match/media", content=b"hello, not a picture", headers=headers)
    assert not_media.status_code == 422 and not_media.json()["error"]["code"]
    truncated = jpeg(data.coffee())[:3000]
    assert client.post("/v1/match/media", content=truncated, headers=headers).status_code == 422
    big = jpeg(data.astronaut()) + b"\0" * 100_000
    assert_error(
        client.post("/v1/match/media", content=big, headers=headers), 413, "body-too-large"
    )
    as_json = client.post("/v1/match/media", json={"a": 1}, headers=bearer(key))
    assert_error(as_json, 415, "unsupported-media-type")


def test_a_derived_match_is_returned_with_its_kind_score_and_region(client: TestClient) -> None:
    """What the API says about a match of kind "derived" (the fingerprint that finds them is
    wired in separately; this checks the response shape it will be returned in)."""
    from consentry.matching.result import Match
    from consentry.service.routes_match import _out
    from consentry.service.schemas import MatchOut

    rt = rt_of(client)
    rt.store.create_bank("my-photos", kind="protected")
    applied(client)
    fake = Match(
        "my-photos", 9, "protected-public-photo", 38, "original", "regions",
        kind="derived", score=0.62, region=(0.1, 0.05, 0.9, 0.7),
    )  # fmt: skip
    out = _out(rt, fake).model_dump()
    assert out == {
        "bank": "my-photos",
        "entry": 9,
        "distance": 38,
        "label": "protected-public-photo",
        "action": "block",
        "signal": "regions",
        "transform": "original",
        "kind": "derived",
        "score": 0.62,
        "region": [0.1, 0.05, 0.9, 0.7],
    }
    assert MatchOut.model_validate(out).kind == "derived"
    with pytest.raises(ValueError, match="kind"):
        MatchOut.model_validate({**out, "kind": "fake"})


def test_openapi_documents_the_match_kinds(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()["components"]["schemas"]["MatchOut"]
    fields = schema["properties"]
    assert fields["kind"]["enum"] == ["copy", "derived"] and fields["kind"]["default"] == "copy"
    for name in ("kind", "score", "region"):
        assert fields[name]["description"], name
    copy_fields = {"bank", "entry", "distance", "label", "action", "signal", "transform"}
    assert set(schema["required"]) == copy_fields  # old clients' payloads stay valid
