"""Helpers for the service tests: sample hashes, partner keys, error assertions."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

import numpy as np
from fastapi.testclient import TestClient

from consentry.service.runtime import Runtime

ALL_SCOPES = ("match", "sync", "feedback", "admin", "review")
MakeClient = Callable[..., TestClient]


def random_pdq(seed: int) -> str:
    bits = np.random.default_rng(seed).integers(0, 256, 32, dtype=np.uint8)
    return bits.tobytes().hex()


def flip_bits(pdq: str, count: int) -> str:
    value = int(pdq, 16)
    for bit in range(count):
        value ^= 1 << (bit * 7)
    return f"{value:064x}"


def md5_of(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()


def rt_of(client: TestClient) -> Runtime:
    found: Runtime = client.app.state.runtime  # type: ignore[attr-defined]
    return found


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def new_key(client: TestClient, name: str, *scopes: str, rate: int = 6000) -> str:
    created = rt_of(client).partners.create(name, scopes or ALL_SCOPES, rate_per_minute=rate)
    return created.key


def applied(client: TestClient) -> None:
    """Apply every pending store change to the live index now (no waiting on the poller)."""
    rt_of(client).matcher.refresh()


def assert_error(response: Any, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"}, body
    assert body["error"]["code"] == code, body
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
