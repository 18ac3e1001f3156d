"""Per-invocation state: where the data lives (``--home``, ``--db``), opened lazily."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from consentry.config import resolve_home

if TYPE_CHECKING:
    from consentry.store import Store


@dataclass
class CliState:
    home_option: str | None = None
    db_option: str | None = None  # a database URL (PostgreSQL); None: SQLite in the home
    _home: Path | None = field(default=None, repr=False)

    @property
    def home(self) -> Path:
        if self._home is None:
            self._home = resolve_home(self.home_option)
        return self._home

    def open_store(self, db: str | None = None) -> Store:
        """The store at ``db`` (a command's own --db), else the global --db, else SQLite."""
        from consentry.store import Store

        url = db or self.db_option
        return Store.open_url(url, home=self.home) if url else Store.open(self.home)


def state(ctx: typer.Context) -> CliState:
    root = ctx.find_root()
    if not isinstance(root.obj, CliState):
        root.obj = CliState()
    return root.obj
