"""The service in-process (Starlette's TestClient, an httpx client) over SQLite and PostgreSQL.

``db_url`` (tests/conftest.py) is parametrised over both databases. Helpers live in
``service_helpers``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from service_helpers import ALL_SCOPES, MakeClient, new_key

from consentry.service import ServiceSettings, create_app


@pytest.fixture
def make_client(db_url: str, tmp_path: Path) -> Iterator[MakeClient]:
    """Start an app over ``db_url`` (sqlite or postgresql) with optional settings."""
    opened: list[TestClient] = []

    def make(**settings: object) -> TestClient:
        home = tmp_path / f"home{len(opened)}"
        home.mkdir()
        chosen = ServiceSettings(**{"poll_seconds": 0.05, **settings})  # type: ignore[arg-type]
        client = TestClient(create_app(db_url, home, settings=chosen))
        client.__enter__()
        opened.append(client)
        return client

    yield make
    for client in reversed(opened):
        client.__exit__(None, None, None)


@pytest.fixture
def client(make_client: MakeClient) -> TestClient:
    return make_client()


@pytest.fixture
def admin_key(client: TestClient) -> str:
    return new_key(client, "ops", *ALL_SCOPES)
