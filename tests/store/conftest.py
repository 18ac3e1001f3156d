from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest


@pytest.fixture
def count_rows(home: Path) -> Callable[[str], int]:
    """Count a table's rows with a plain sqlite3 connection, bypassing the store."""

    def count(table: str) -> int:
        connection = sqlite3.connect(home / "consentry.db")
        try:
            return connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        finally:
            connection.close()

    return count
