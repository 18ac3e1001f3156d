"""JSON errors for everything, health, metrics, the OpenAPI document."""

from __future__ import annotations

import json
from pathlib import Path

from fastapi.testclient import TestClient
from service_helpers import assert_error, bearer, new_key, random_pdq

from consentry.service import create_app

OPENAPI_FILE = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"


def test_framework_errors_are_json_too(client: TestClient) -> None:
    assert_error(client.get("/nowhere"), 404, "not-found")
    assert_error(client.put("/v1/cases"), 405, "method-not-allowed")
    assert_error(client.get("/v1/match"), 405, "method-not-allowed")


def test_health(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok" and response.json()["ready"] is True


def test_metrics_count_routes_not_paths(client: TestClient) -> None:
    created = client.post(
        "/v1/cases", json={"fingerprints": [{"type": "pdq", "value": random_pdq(1)}]}
    )
    case_id = created.json()["case_id"]
    client.get(f"/v1/cases/{case_id}", headers={"X-Case-Secret": "wrong"})
    key = new_key(client, "metrics", "match")
    body = {"fingerprints": [{"type": "pdq", "value": random_pdq(2)}]}
    assert client.post("/v1/match", json=body, headers=bearer(key)).status_code == 200
    text = client.get("/metrics").text
    assert case_id not in text
    assert (
        'consentry_http_requests_total{method="GET",route="/v1/cases/{case_id}",status="404"} 1'
        in text
    )
    assert 'route="/v1/cases",status="201"' in text
    assert "consentry_match_seconds_count 1" in text
    assert "consentry_index_seq_lag" in text and "consentry_index_size" in text


def test_openapi_is_served(client: TestClient) -> None:
    assert client.get("/openapi.json").json() == client.app.openapi()  # type: ignore[attr-defined]


def test_openapi_document_is_current(tmp_path: Path) -> None:
    """docs/openapi.json is what the app serves; a stale file is rewritten and fails the test."""
    served = create_app(None, tmp_path).openapi()  # no database needed for the document
    assert {"/v1/cases", "/v1/match", "/v1/match/media", "/v1/sync", "/v1/feedback"} <= set(
        served["paths"]
    )
    text = json.dumps(served, indent=2, sort_keys=True) + "\n"
    current = OPENAPI_FILE.read_text() if OPENAPI_FILE.exists() else ""
    if current != text:
        OPENAPI_FILE.write_text(text)
        raise AssertionError(f"{OPENAPI_FILE} was stale and has been rewritten: commit it")
