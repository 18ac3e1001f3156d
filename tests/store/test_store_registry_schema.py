"""Migration 0002 on SQLite and PostgreSQL: schema, upgrade of existing data, concurrency."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect
from store_threads import errors_from_threads

from consentry.store import Store
from consentry.store.migrate import alembic_config, current_revision, head_revision
from consentry.store.models import Base

REGISTRY_TABLES = {"cases", "changes", "partners", "feedback", "audit"}


def test_open_url_migrates_to_head(db_store: Store) -> None:
    with db_store.engine.connect() as connection:
        assert current_revision(connection) == head_revision() == "0004_telegram"
        tables = set(inspect(connection).get_table_names())
    assert {"banks", "entries", "fingerprints"} | REGISTRY_TABLES <= tables


def test_migrated_schema_matches_the_models(db_store: Store) -> None:
    with db_store.engine.connect() as connection:
        context = MigrationContext.configure(connection)
        assert compare_metadata(context, Base.metadata) == []


def test_entries_gain_their_columns_with_defaults(db_store: Store) -> None:
    db_store.create_bank("b")
    entry = db_store.get_entry("b", db_store.add_entry("b", [("md5", "1" * 32)]))
    assert (entry.case_id, entry.suspended) == (None, False)
    assert (entry.confirmed_count, entry.false_positive_count) == (0, 0)
    assert db_store.get_bank("b").action == "block"


def test_reopening_is_a_no_op(db_url: str, tmp_path: Path) -> None:
    with Store.open_url(db_url) as first:
        first.create_bank("kept")
    with Store.open_url(db_url) as second:
        assert second.get_bank("kept").entry_count == 0


def test_two_processes_migrating_a_fresh_database_at_once(db_url: str) -> None:
    def open_and_write(n: int) -> None:
        with Store.open_url(db_url) as store:
            store.create_bank(f"bank{n}")

    assert errors_from_threads(open_and_write, 3) == []
    with Store.open_url(db_url) as store:
        assert [bank.name for bank in store.list_banks()] == ["bank0", "bank1", "bank2"]


def _open_at_0001(url: str) -> None:
    """Create a database at revision 0001, as issue 2 left it."""
    from consentry.store.engine import url_engine

    engine = url_engine(url)
    config = alembic_config()
    with engine.connect() as connection, connection.begin():
        config.attributes["connection"] = connection
        command.upgrade(config, "0001_initial")
    engine.dispose()


def test_upgrade_from_0001_keeps_data_and_logs_existing_entries(db_url: str) -> None:
    _open_at_0001(db_url)
    from consentry.store.engine import url_engine

    engine = url_engine(db_url)
    with engine.connect() as connection, connection.begin():
        connection.exec_driver_sql(
            "INSERT INTO banks (name, kind, radius, enabled, created_at, generation) "
            "VALUES ('old', 'ncii', 20, TRUE, '2025-01-01 00:00:00+00', 3)"
        )
        bank_id = connection.exec_driver_sql("SELECT id FROM banks").scalar()
        for n in range(3):
            connection.exec_driver_sql(
                "INSERT INTO entries (bank_id, label, created_at) "
                f"VALUES ({bank_id}, 'l{n}', '2025-01-02 00:00:00+00')"
            )
            connection.exec_driver_sql(
                "INSERT INTO fingerprints (entry_id, type, value, lookup_key) "
                f"VALUES ({n + 1}, 'md5', '{n:032x}', '{n:032x}')"
            )
    engine.dispose()
    with Store.open_url(db_url) as store:
        bank = store.get_bank("old")
        assert (bank.entry_count, bank.radius, bank.action) == (3, 20, "block")
        entries = list(store.iter_entries("old"))
        assert [e.label for e in entries] == ["l0", "l1", "l2"]
        assert all(not e.suspended and e.case_id is None for e in entries)
        changes = store.changes_since(0)
        assert [(c.bank, c.entry_id, c.op) for c in changes] == [
            ("old", 1, "add"),
            ("old", 2, "add"),
            ("old", 3, "add"),
        ]
        new_id = store.add_entry("old", [("md5", "f" * 32)])
        assert new_id == 4
        assert store.changes_since(3)[0].entry_id == 4


def test_sqlite_upgrade_keeps_fingerprints_with_foreign_keys_on(tmp_path: Path) -> None:
    """Adding columns must not copy ``entries`` (a copy would cascade into fingerprints)."""
    url = f"sqlite+pysqlite:///{tmp_path / 'db.sqlite'}"
    _open_at_0001(url)
    Store.open_url(url).close()  # applies 0002
    connection = sqlite3.connect(tmp_path / "db.sqlite")
    try:
        sql = connection.execute("SELECT sql FROM sqlite_master WHERE name = 'entries'").fetchone()
        assert "AUTOINCREMENT" in sql[0]  # the original table, not a copy without it
    finally:
        connection.close()


def test_unreachable_postgresql_is_a_store_error() -> None:
    from consentry.store import StoreError

    with pytest.raises(StoreError) as info:
        Store.open_url("postgresql+psycopg://postgres@127.0.0.1:1/none?connect_timeout=2")
    assert info.value.code == "store-unreadable"
    assert "password" not in info.value.message
