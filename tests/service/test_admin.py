"""Bank administration over HTTP: create, change, delete, entries, import and export."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from service_helpers import applied, assert_error, bearer, random_pdq, rt_of


def test_bank_lifecycle(client: TestClient, admin_key: str) -> None:
    auth = bearer(admin_key)
    created = client.post("/v1/banks", json={"name": "ops-bank", "radius": 20}, headers=auth)
    assert created.status_code == 201, created.text
    assert created.json()["radius"] == 20 and created.json()["action"] == "block"
    assert_error(
        client.post("/v1/banks", json={"name": "ops-bank"}, headers=auth), 409, "bank-exists"
    )
    names = [bank["name"] for bank in client.get("/v1/banks", headers=auth).json()["banks"]]
    assert "ops-bank" in names
    patched = client.patch(
        "/v1/banks/ops-bank", json={"action": "allow", "description": "d"}, headers=auth
    )
    assert patched.json()["action"] == "allow" and patched.json()["description"] == "d"
    assert client.get("/v1/banks/ops-bank", headers=auth).json()["radius"] == 20
    assert client.delete("/v1/banks/ops-bank", headers=auth).status_code == 204
    assert_error(client.get("/v1/banks/ops-bank", headers=auth), 404, "unknown-bank")
    assert_error(client.delete("/v1/banks/ops-bank", headers=auth), 404, "unknown-bank")
    actions = [e.action for e in rt_of(client).store.iter_audit()]
    assert {"bank.created", "bank.changed", "bank.deleted"} <= set(actions)


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/v1/banks", {"name": "bad name"}),
        ("POST", "/v1/banks", {"name": "ok", "radius": 300}),
        ("POST", "/v1/banks", {"name": "ok", "radius": -1}),
        ("POST", "/v1/banks", {"name": "ok", "action": "delete"}),
        ("POST", "/v1/banks", {"name": "ok", "kind": "other"}),
        ("POST", "/v1/banks", {"name": ""}),
        ("PATCH", "/v1/banks/b", {"radius": "far"}),
        ("PATCH", "/v1/banks/b", {"enabled": "maybe"}),
        ("PATCH", "/v1/banks/b", {"description": "a\u0000b"}),
        ("GET", "/v1/banks/b/entries/0", None),
        ("GET", "/v1/banks/b/entries/abc", None),
        ("GET", "/v1/banks/b/export?format=xml", None),
        ("POST", "/v1/banks/b/import?format=xml", None),
    ],
)
def test_broken_admin_input(
    client: TestClient, admin_key: str, method: str, path: str, body: object
) -> None:
    rt_of(client).store.create_bank("b")
    response = client.request(method, path, json=body, headers=bearer(admin_key))
    assert_error(response, 422, "invalid-request")


def test_import_export_round_trip(client: TestClient, admin_key: str) -> None:
    auth = bearer(admin_key)
    client.post("/v1/banks", json={"name": "imported"}, headers=auth)
    text = f"pdq {random_pdq(600)}\npdq {random_pdq(601)}\nbogus line\n"
    report = client.post(
        "/v1/banks/imported/import?format=pytx&label=shared",
        content=text.encode(),
        headers={**auth, "Content-Type": "text/plain"},
    )
    assert report.status_code == 200, report.text
    body = report.json()
    assert body["entries_added"] == 2 and len(body["errors"]) == 1
    assert body["errors"][0]["line"] == 3
    exported = client.get("/v1/banks/imported/export?format=pytx", headers=auth)
    assert exported.status_code == 200
    assert exported.text.split() == ["pdq", random_pdq(600), "pdq", random_pdq(601)]
    csv = client.get("/v1/banks/imported/export", headers=auth)
    assert csv.headers["content-type"].startswith("text/csv") and "shared" in csv.text
    applied(client)
    found = client.post(
        "/v1/match",
        json={"fingerprints": [{"type": "pdq", "value": random_pdq(601)}]},
        headers=auth,
    ).json()["results"][0]["matches"]
    assert [m["bank"] for m in found] == ["imported"]
    binary = client.post("/v1/banks/imported/import", content=b"pdq \x00\x01", headers=auth)
    assert_error(binary, 422, "unreadable-file")
    missing = client.post("/v1/banks/absent/import", content=b"pdq x", headers=auth)
    assert_error(missing, 404, "unknown-bank")


def test_entries_never_show_their_case(client: TestClient, admin_key: str) -> None:
    pdq = random_pdq(700)
    created = client.post("/v1/cases", json={"fingerprints": [{"type": "pdq", "value": pdq}]})
    case_id = created.json()["case_id"]
    feed = client.get("/v1/sync", headers=bearer(admin_key)).json()
    entry = feed["items"][0]["entry"]
    seen = client.get(f"/v1/banks/cases/entries/{entry}", headers=bearer(admin_key))
    assert seen.status_code == 200, seen.text
    body = seen.json()
    assert body["from_case"] is True and "case_id" not in body
    assert case_id not in seen.text
    assert body["fingerprints"] == [{"type": "pdq", "value": pdq}]


def test_a_protected_bank_can_be_created_and_unknown_kinds_are_refused(
    client: TestClient, admin_key: str
) -> None:
    auth = bearer(admin_key)
    created = client.post(
        "/v1/banks", json={"name": "public-photos", "kind": "protected"}, headers=auth
    )
    assert created.status_code == 201, created.text
    assert created.json()["kind"] == "protected"
    wrong = client.post("/v1/banks", json={"name": "x", "kind": "secret"}, headers=auth)
    assert wrong.status_code == 422
