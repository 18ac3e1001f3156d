"""The authorisation matrix: no key, unknown key, revoked, rotated, wrong scope, rate limits."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from service_helpers import MakeClient, assert_error, bearer, new_key, random_pdq, rt_of

PDQ = random_pdq(11)
# (method, path, json body, the scope it needs)
ROUTES: list[tuple[str, str, Any, str]] = [
    ("POST", "/v1/match", {"fingerprints": [{"type": "pdq", "value": PDQ}]}, "match"),
    ("GET", "/v1/sync", None, "sync"),
    ("POST", "/v1/feedback", {"bank": "b", "entry": 1, "verdict": "correct"}, "feedback"),
    ("GET", "/v1/banks", None, "admin"),
    ("POST", "/v1/banks", {"name": "new-bank"}, "admin"),
    ("PATCH", "/v1/banks/b", {"radius": 10}, "admin"),
    ("DELETE", "/v1/banks/nothing-here", None, "admin"),
    ("GET", "/v1/banks/b/export", None, "admin"),
    ("GET", "/v1/banks/b/entries/1", None, "review"),
    ("POST", "/v1/banks/b/entries/1/suspend", None, "review"),
]
IDS = [f"{method} {path}" for method, path, _body, _scope in ROUTES]


def call(client: TestClient, method: str, path: str, body: Any, headers: dict[str, str]) -> Any:
    return client.request(method, path, json=body, headers=headers)


@pytest.mark.parametrize(("method", "path", "body", "scope"), ROUTES, ids=IDS)
def test_partner_routes_need_a_key_with_the_scope(
    client: TestClient, method: str, path: str, body: Any, scope: str
) -> None:
    assert_error(call(client, method, path, body, {}), 401, "unauthenticated")
    response = call(client, method, path, body, {"Authorization": "Basic dXNlcjpwYXNz"})
    assert_error(response, 401, "unauthenticated")
    response = call(client, method, path, body, bearer("cs_abcdefghijkl_" + "x" * 43))
    assert_error(response, 401, "unauthenticated")
    assert_error(call(client, method, path, body, bearer("garbage")), 401, "unauthenticated")

    other_scopes = [s for s in ("match", "sync", "feedback", "admin", "review") if s != scope]
    if scope == "review":
        other_scopes.remove("admin")  # admin may review
    wrong = new_key(client, "wrong-scope", *other_scopes)
    assert_error(call(client, method, path, body, bearer(wrong)), 403, "forbidden")

    right = new_key(client, "right-scope", scope)
    allowed = call(client, method, path, body, bearer(right))
    assert allowed.status_code not in (401, 403), allowed.text

    rt_of(client).partners.revoke("right-scope")
    rt_of(client).keys._found.clear()  # the cache trusts a key for at most a second
    assert_error(call(client, method, path, body, bearer(right)), 401, "unauthenticated")


def test_rotation_replaces_the_key(client: TestClient) -> None:
    old = new_key(client, "rotating", "sync")
    assert client.get("/v1/sync", headers=bearer(old)).status_code == 200
    new = rt_of(client).partners.rotate("rotating").key
    rt_of(client).keys._found.clear()
    assert_error(client.get("/v1/sync", headers=bearer(old)), 401, "unauthenticated")
    assert client.get("/v1/sync", headers=bearer(new)).status_code == 200


def test_a_key_created_elsewhere_works_at_once(client: TestClient, db_url: str, tmp_path) -> None:
    from consentry.partners import Partners
    from consentry.store import Store

    other = Store.open_url(db_url, home=tmp_path)  # as `consentry partner create` would
    try:
        key = Partners(other).create("from-cli", ["sync"]).key
    finally:
        other.close()
    assert client.get("/v1/sync", headers=bearer(key)).status_code == 200


def test_each_key_has_its_own_rate_limit(client: TestClient) -> None:
    slow = new_key(client, "slow", "sync", rate=2)
    fast = new_key(client, "fast", "sync")
    assert client.get("/v1/sync", headers=bearer(slow)).status_code == 200
    assert client.get("/v1/sync", headers=bearer(slow)).status_code == 200
    refused = client.get("/v1/sync", headers=bearer(slow))
    assert_error(refused, 429, "rate-limited")
    assert int(refused.headers["Retry-After"]) >= 1
    assert client.get("/v1/sync", headers=bearer(fast)).status_code == 200


def test_unknown_keys_are_rate_limited_per_address(make_client: MakeClient) -> None:
    client = make_client(failed_auth_per_minute=3)
    for _ in range(3):
        assert_error(client.get("/v1/sync", headers=bearer("bad")), 401, "unauthenticated")
    assert_error(client.get("/v1/sync", headers=bearer("bad")), 429, "rate-limited")


def test_case_routes_take_no_partner_key(client: TestClient) -> None:
    response = client.post("/v1/cases", json={"fingerprints": [{"type": "pdq", "value": PDQ}]})
    assert response.status_code == 201
