"""Protected photos through the service: registered in a case, found in a fake, withdrawn."""

from __future__ import annotations

import io

import numpy as np
from fastapi.testclient import TestClient
from PIL import Image
from service_helpers import applied, bearer, new_key
from skimage import data

from consentry.signals.regions import region_fingerprint


def jpeg(rgb: np.ndarray) -> bytes:
    out = io.BytesIO()
    Image.fromarray(rgb).save(out, format="JPEG", quality=88)
    return out.getvalue()


def fake_of(rgb: np.ndarray) -> np.ndarray:
    fake = rgb.copy()
    fake[int(fake.shape[0] * 0.55) :, :, :] = 90  # the lower 45% replaced
    return fake


def test_a_case_protects_a_public_photo_until_it_is_withdrawn(client: TestClient) -> None:
    photo = data.astronaut()
    value = region_fingerprint(photo).to_text()
    created = client.post(
        "/v1/cases",
        json={
            "fingerprints": [{"type": "regions", "value": value, "label": "protected-public-photo"}]
        },
    )
    assert created.status_code == 201, created.text
    case = created.json()
    applied(client)
    key = new_key(client, "platform", "match")
    upload = client.post(
        "/v1/match/media?decide=true",
        content=jpeg(fake_of(photo)),
        headers={**bearer(key), "Content-Type": "image/jpeg"},
    )
    assert upload.status_code == 200, upload.text
    body = upload.json()
    (match,) = body["matches"]
    assert match["kind"] == "derived" and match["signal"] == "regions"
    assert match["label"] == "protected-public-photo" and 0 < match["score"] <= 1
    assert len(match["region"]) == 4
    assert body["decision"]["rule"] == "derived-from-protected-photo"

    query = region_fingerprint(fake_of(photo), dense=True).to_text()
    by_value = client.post(
        "/v1/match",
        json={"fingerprints": [{"type": "regions", "value": query}]},
        headers=bearer(key),
    )
    assert by_value.status_code == 200, by_value.text
    assert by_value.json()["results"][0]["matches"][0]["kind"] == "derived"

    other = client.post(
        "/v1/match/media",
        content=jpeg(data.coffee()),
        headers={**bearer(key), "Content-Type": "image/jpeg"},
    )
    assert other.json()["matches"] == []

    withdrawn = client.delete(
        f"/v1/cases/{case['case_id']}", headers={"X-Case-Secret": case["secret"]}
    )
    assert withdrawn.status_code in (200, 204)
    applied(client)
    again = client.post(
        "/v1/match/media",
        content=jpeg(fake_of(photo)),
        headers={**bearer(key), "Content-Type": "image/jpeg"},
    )
    assert again.json()["matches"] == []


def test_a_broken_regions_value_is_refused_with_its_reason(client: TestClient) -> None:
    key = new_key(client, "platform", "match")
    response = client.post(
        "/v1/match",
        json={"fingerprints": [{"type": "regions", "value": "r1.AAAA"}]},
        headers=bearer(key),
    )
    assert response.status_code == 422
    assert "regions" in response.json()["error"]["message"]
