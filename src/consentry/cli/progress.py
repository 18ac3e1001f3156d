"""The scan's progress bar (stderr; only drawn on a terminal)."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text


class FilesPerSecondColumn(ProgressColumn):
    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text("-- files/s" if speed is None else f"{speed:.1f} files/s")


class RichScanProgress:
    """ScanProgress drawn with Rich: files done / total, files per second, ETA."""

    def __init__(self, console: Console, *, label: str = "scanning") -> None:
        self.progress = Progress(
            TextColumn(label),
            BarColumn(),
            MofNCompleteColumn(),
            FilesPerSecondColumn(),
            TextColumn("matched {task.fields[matched]}"),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=False,
        )
        self.task: Any = None
        self.matched = 0

    def start(self, total: int, completed: int) -> None:
        self.task = self.progress.add_task("scan", total=total, completed=completed, matched=0)
        self.progress.start()

    def advance(self, record: dict[str, Any]) -> None:
        self.matched += bool(record.get("matches"))
        self.progress.update(self.task, advance=1, matched=self.matched)

    def stop(self) -> None:
        self.progress.stop()
