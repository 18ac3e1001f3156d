"""Fixtures shared by every test package.

- ``home`` / ``store``: a fresh data directory and a SQLite store in it.
- ``pg_url`` (session): a throwaway PostgreSQL database on the local server, created at
  the start of the session and dropped at the end. Set ``CONSENTRY_TEST_PG`` to point at
  another server (an SQLAlchemy URL of an existing database to connect to for admin).
  An unreachable server FAILS the tests that need it: never a silent skip.
- ``db_url``: parametrised over ``sqlite`` (a file in ``tmp_path``) and ``postgresql``
  (a fresh schema of the session database per test, so tests never see each other's rows).
- ``db_store``: a migrated ``Store`` on ``db_url``.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import OperationalError

from consentry.store import Store

DEFAULT_PG_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@pytest.fixture
def home(tmp_path: Path) -> Path:
    path = tmp_path / "home"
    path.mkdir()
    return path


@pytest.fixture
def store(home: Path) -> Iterator[Store]:
    opened = Store.open(home)
    yield opened
    opened.close()


def _admin_url() -> URL:
    return make_url(os.environ.get("CONSENTRY_TEST_PG", DEFAULT_PG_ADMIN_URL))


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """URL of a PostgreSQL database made for this test session (dropped afterwards)."""
    admin_url = _admin_url()
    name = f"consentry_test_{secrets.token_hex(6)}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError as error:
        admin.dispose()
        shown = admin_url.render_as_string(hide_password=True)
        pytest.fail(
            f"PostgreSQL is required for these tests and is unreachable at {shown}: "
            f"{error.orig}. Start the server or set CONSENTRY_TEST_PG.",
            pytrace=False,
        )
    try:
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _fresh_schema_url(database_url: str) -> str:
    """A new schema in the session database, reached through ``search_path``."""
    schema = f"t_{secrets.token_hex(6)}"
    engine = create_engine(database_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    finally:
        engine.dispose()
    url = make_url(database_url).update_query_dict({"options": f"-csearch_path={schema}"})
    return url.render_as_string(hide_password=False)


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database: a SQLite file, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        return f"sqlite+pysqlite:///{tmp_path / 'consentry-test.db'}"
    return _fresh_schema_url(request.getfixturevalue("pg_url"))


@pytest.fixture
def db_store(db_url: str, tmp_path: Path) -> Iterator[Store]:
    opened = Store.open_url(db_url, home=tmp_path)
    yield opened
    opened.close()
