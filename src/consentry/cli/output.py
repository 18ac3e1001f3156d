"""Writing results: JSON lines or Rich tables on stdout, errors and progress on stderr."""

from __future__ import annotations

import json
import sys
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

# Piped or redirected output must not be squeezed into 80 columns (hashes are 64 characters).
_PIPE_WIDTH = 220


def stdout_console() -> Console:
    terminal = sys.stdout.isatty()
    return Console(
        file=sys.stdout, highlight=False, soft_wrap=False, width=None if terminal else _PIPE_WIDTH
    )


def stderr_console() -> Console:
    return Console(file=sys.stderr, highlight=False, stderr=True)


def emit_json(obj: Any) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def one_line(text: str) -> str:
    return " ".join(str(text).split())


def print_error(message: str, code: str | None = None) -> None:
    """``error: <message> [code]`` on stderr, always on one line."""
    suffix = f" [{code}]" if code else ""
    sys.stderr.write(f"error: {one_line(message)}{suffix}\n")
    sys.stderr.flush()


def print_note(message: str) -> None:
    sys.stderr.write(one_line(message) + "\n")
    sys.stderr.flush()


def new_table(*columns: str, title: str | None = None) -> Table:
    table = Table(title=title, show_lines=False, header_style="bold")
    for column in columns:
        table.add_column(column, overflow="fold")
    return table


def cell(value: Any) -> str:
    return "-" if value is None else str(value)


def add_row(table: Table, *values: Any) -> None:
    """Add a row of plain text: file names and messages may hold [brackets] Rich would eat."""
    table.add_row(*(Text(str(value)) for value in values))
