"""A remote registry for the sync tests: a store served by a minimal feed endpoint.

The endpoint is the feed as the service serves it (feed_page behind a bearer key), kept
minimal so that these tests exercise the client and the feed, not the whole service.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI, Header
from fastapi.responses import JSONResponse
from fastapi.testclient import TestClient

from consentry.errors import ConsentryError
from consentry.store import Store
from consentry.sync import feed_page

KEY = "cs_testkey0001_not-a-real-secret"


def feed_app(store: Store, key: str = KEY) -> FastAPI:
    app = FastAPI()

    @app.get("/v1/sync")
    def sync(
        cursor: str | None = None, limit: int = 1000, authorization: str = Header(default="")
    ) -> Any:
        if authorization != f"Bearer {key}":
            return JSONResponse(
                {"error": {"code": "unauthenticated", "message": "no"}}, status_code=401
            )
        try:
            return feed_page(store, cursor=cursor, limit=limit).to_json()
        except ConsentryError as error:
            return JSONResponse({"error": error.to_dict()}, status_code=422)

    return app


@pytest.fixture
def remote(tmp_path: Path) -> Iterator[Store]:
    opened = Store.open(tmp_path / "remote")
    yield opened
    opened.close()


@pytest.fixture
def remote_client(remote: Store) -> Iterator[TestClient]:
    with TestClient(feed_app(remote), base_url="http://testserver") as client:
        yield client


@pytest.fixture
def store(db_store: Store) -> Store:
    """Every test here runs on SQLite and on PostgreSQL (see tests/conftest.py)."""
    return db_store
