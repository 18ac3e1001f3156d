"""Engine set-up: SQLite pragmas and explicit transaction starts.

pysqlite's own transaction handling starts transactions late and never around DDL, so
it is switched off and every transaction is begun here. Writers begin with
``BEGIN IMMEDIATE``: they take the write lock up front and wait for it (busy timeout)
instead of failing half-way when another process wrote in between.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event

BUSY_TIMEOUT_MS = 15_000
WRITE_BEGIN_OPTION = "consentry_begin"
# PostgreSQL writers take this transaction-scoped advisory lock first: one writer at a
# time, as with SQLite's write lock. That keeps the ``changes`` log visible in ``seq``
# order (a follower that has read seq N can never later find a smaller one committed).
WRITE_LOCK_KEY = 0x636F6E73656E7472  # "consentr"


def take_write_lock(connection: Any) -> None:
    """Serialise writers on PostgreSQL; SQLite's BEGIN IMMEDIATE already does."""
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({WRITE_LOCK_KEY})")


def sqlite_engine(path: Path) -> Engine:
    engine = create_engine(f"sqlite+pysqlite:///{path}")
    event.listen(engine, "connect", _on_sqlite_connect)
    event.listen(engine, "begin", _on_sqlite_begin)
    return engine


def url_engine(url: str) -> Engine:
    """Any SQLAlchemy URL; SQLite URLs get the same set-up as :func:`sqlite_engine`."""
    engine = create_engine(url)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _on_sqlite_connect)
        event.listen(engine, "begin", _on_sqlite_begin)
    return engine


def _on_sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        # Deleted fingerprints are overwritten on disk, not left in free pages.
        cursor.execute("PRAGMA secure_delete = ON")
    finally:
        cursor.close()


def _on_sqlite_begin(connection: Any) -> None:
    statement = connection.get_execution_options().get(WRITE_BEGIN_OPTION, "BEGIN")
    connection.exec_driver_sql(statement)
