"""Per-invocation state: where the data lives (``--home``), opened lazily."""

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
    _home: Path | None = field(default=None, repr=False)

    @property
    def home(self) -> Path:
        if self._home is None:
            self._home = resolve_home(self.home_option)
        return self._home

    def open_store(self) -> Store:
        from consentry.store import Store

        return Store.open(self.home)


def state(ctx: typer.Context) -> CliState:
    root = ctx.find_root()
    if not isinstance(root.obj, CliState):
        root.obj = CliState()
    return root.obj
