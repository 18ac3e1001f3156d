from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine
from store_threads import errors_from_threads

from consentry.store import Store, StoreError
from consentry.store.migrate import head_revision, upgrade_to_head
from consentry.store.models import Base, lookup_key


def raw(home: Path) -> sqlite3.Connection:
    return sqlite3.connect(home / "consentry.db")


def test_open_creates_the_file_and_schema(home: Path) -> None:
    with Store.open(home):
        pass
    connection = raw(home)
    listing = "SELECT name FROM sqlite_master WHERE type=?"
    tables = {r[0] for r in connection.execute(listing, ("table",))}
    indexes = {r[0] for r in connection.execute(listing, ("index",))}
    version = connection.execute("SELECT version_num FROM alembic_version").fetchall()
    connection.close()
    assert {"banks", "entries", "fingerprints", "alembic_version"} <= tables
    assert "ix_fingerprints_type_lookup_key" in indexes
    assert version == [(head_revision(),)]


def test_wal_mode_is_on(home: Path) -> None:
    with Store.open(home) as store:
        store.create_bank("b")
        with store.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 1000
    # journal_mode=WAL is a property of the file itself
    connection = raw(home)
    assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    connection.close()


def test_migrations_are_a_no_op_on_an_existing_file(home: Path) -> None:
    with Store.open(home) as store:
        store.create_bank("kept")
        store.add_entry("kept", [("md5", "0" * 32)])
        assert upgrade_to_head(store.engine) is False
    with Store.open(home) as again:
        assert again.get_bank("kept").entry_count == 1
        assert upgrade_to_head(again.engine) is False


def test_migrations_run_on_an_empty_existing_file(home: Path) -> None:
    home.mkdir(parents=True, exist_ok=True)
    (home / "consentry.db").write_bytes(b"")
    with Store.open(home) as store:
        assert store.create_bank("b").entry_count == 0


def test_migrated_schema_matches_the_models(home: Path) -> None:
    with Store.open(home):
        pass
    engine = create_engine(f"sqlite:///{home / 'consentry.db'}")
    with engine.connect() as connection:
        context = MigrationContext.configure(connection)
        assert compare_metadata(context, Base.metadata) == []
    engine.dispose()


def test_a_second_store_sees_the_data(home: Path) -> None:
    first = Store.open(home)
    second = Store.open(home)
    try:
        first.create_bank("shared", radius=20)
        entry_id = first.add_entry("shared", [("md5", "9" * 32)], label="x")
        assert second.get_bank("shared").radius == 20
        assert second.get_entry("shared", entry_id).label == "x"
        second.remove_entry("shared", entry_id)
        assert first.get_bank("shared").entry_count == 0
    finally:
        first.close()
        second.close()


def test_concurrent_writers_wait_instead_of_failing(home: Path) -> None:
    with Store.open(home) as setup:
        setup.create_bank("busy")

    def write(worker: int) -> None:
        with Store.open(home) as store:
            for i in range(25):
                store.add_entry("busy", [("md5", f"{worker:08x}{i:024x}")])

    assert errors_from_threads(write, 4) == []
    with Store.open(home) as store:
        assert store.get_bank("busy").entry_count == 100


def test_open_on_a_non_database_file_fails(home: Path) -> None:
    home.mkdir(parents=True, exist_ok=True)
    (home / "consentry.db").write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreError) as info:
        Store.open(home)
    assert info.value.code == "store-unreadable"
    assert "consentry.db" in info.value.message


def test_home_that_is_a_file(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(StoreError) as info:
        Store.open(tmp_path / "file")
    assert info.value.code == "store-unreadable"


def test_database_path_that_is_a_directory(home: Path) -> None:
    (home / "consentry.db").mkdir(parents=True)
    with pytest.raises(StoreError) as info:
        Store.open(home)
    assert info.value.code == "store-unreadable"


def test_truncated_database_file(home: Path) -> None:
    with Store.open(home) as store:
        store.create_bank("b")
        for i in range(200):
            store.add_entry("b", [("md5", f"{i:032x}")], label="x" * 500)
    data = (home / "consentry.db").read_bytes()
    (home / "consentry.db").write_bytes(data[: len(data) // 3])
    with pytest.raises(StoreError) as info:
        Store.open(home)
    assert info.value.code == "store-unreadable"
    assert "malformed" in info.value.message


def test_lookup_key_is_short_for_long_values() -> None:
    assert lookup_key("ab" * 32) == "ab" * 32
    long_value = "x" * 5000
    key = lookup_key(long_value)
    assert key.startswith("sha256:") and len(key) <= 80
    assert key != lookup_key(long_value + "y")


def test_home_is_created(tmp_path: Path) -> None:
    home = tmp_path / "a" / "b"
    with Store.open(home) as store:
        assert store.home == home
    assert (home / "consentry.db").is_file()


def test_store_error_type(store: Store) -> None:
    with pytest.raises(StoreError):
        store.get_entry("nope", 1)


def test_database_enforces_radius_range_and_cascades(home: Path) -> None:
    with Store.open(home):
        pass
    connection = raw(home)
    connection.execute("PRAGMA foreign_keys = ON")
    with pytest.raises(sqlite3.IntegrityError, match="ck_banks_radius_range"):
        connection.execute(
            "INSERT INTO banks (name, kind, radius, enabled, created_at, generation) "
            "VALUES ('x', 'ncii', 300, 1, '2025-01-01', 0)"
        )
    with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
        connection.execute("INSERT INTO entries (bank_id, created_at) VALUES (999, '2025-01-01')")
    connection.close()
