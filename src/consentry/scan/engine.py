"""The resumable scan: walk a tree, fingerprint what is not in the report yet, append results.

The engine knows nothing about fingerprints or banks: a ScanJob supplies the per-file work (run
in worker processes) and the step that turns its result into a report record (run here, e.g.
matching against banks). That keeps the resume/report logic testable with a fake job.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from consentry.scan.report import (
    Record,
    ReportError,
    ReportFormat,
    ReportWriter,
    load_report,
    record_key,
    report_lock,
    rewrite_report,
)
from consentry.scan.summary import ScanSummary
from consentry.scan.walk import FileEntry, WalkStats, resolved_root, walk_tree
from consentry.workers import Outcome, choose_workers, run_parallel


class ScanJob(Protocol):
    """What to do with each file. ``work`` must be picklable when workers > 1."""

    @property
    def work(self) -> Callable[[str], Any]: ...

    def finish(self, entry: FileEntry, outcome: Outcome[str, Any]) -> Record: ...


class ScanProgress(Protocol):
    def start(self, total: int, completed: int) -> None: ...

    def advance(self, record: Record) -> None: ...

    def stop(self) -> None: ...


class _NoProgress:
    def start(self, total: int, completed: int) -> None:
        pass

    def advance(self, record: Record) -> None:
        pass

    def stop(self) -> None:
        pass


@dataclass
class ScanOptions:
    report: Path
    format: ReportFormat = "jsonl"
    workers: int | None = None  # None: one per core when there are enough files
    resume: bool = True
    preload: tuple[str, ...] = field(default=())
    skip_dirs: tuple[Path, ...] = ()  # never entered: Consentry's own data directory


def default_report_path(home: Path, root: str | Path, fmt: ReportFormat = "jsonl") -> Path:
    """home/scans/<dir name>-<8 hex of its full path>.<jsonl|csv>: stable per scanned directory."""
    resolved = resolved_root(root)
    digest = hashlib.sha256(str(resolved).encode("utf-8", "surrogateescape")).hexdigest()[:8]
    name = "".join(c if c.isalnum() or c in "-_." else "_" for c in resolved.name) or "root"
    return home / "scans" / f"{name}-{digest}.{fmt}"


def run_scan(
    root: str | Path,
    job: ScanJob,
    options: ScanOptions,
    progress: ScanProgress | None = None,
) -> ScanSummary:
    """Scan ``root`` recursively; the report at ``options.report`` is both output and journal."""
    started = time.monotonic()
    progress = progress or _NoProgress()
    top = resolved_root(root)
    if not top.is_dir():
        raise ReportError(f"{root} is not a directory", code="not-a-directory")
    stats = WalkStats()
    entries = _entries(top, options, stats)
    summary = ScanSummary(root=str(top), report=str(options.report), format=options.format)
    summary.walk = stats
    with report_lock(options.report):
        try:
            _scan_locked(entries, job, options, progress, summary)
        finally:
            summary.seconds = time.monotonic() - started
    return summary


def _scan_locked(
    entries: list[FileEntry],
    job: ScanJob,
    options: ScanOptions,
    progress: ScanProgress,
    summary: ScanSummary,
) -> None:
    kept, done = _resume_state(entries, options)
    for entry in entries:
        if entry.path in done:
            summary.add(kept[entry.path], resumed=True)
    todo = {entry.path: entry for entry in entries if entry.path not in done}
    progress.start(total=len(entries), completed=len(entries) - len(todo))
    try:
        with ReportWriter(options.report, options.format) as writer:
            outcomes = run_parallel(
                job.work,
                list(todo),
                workers=choose_workers(options.workers, len(todo)),
                preload=options.preload,
            )
            for outcome in outcomes:
                record = job.finish(todo[outcome.item], outcome)
                writer.append(record)
                summary.add(record, resumed=False)
                progress.advance(record)
    finally:
        progress.stop()


def _entries(top: Path, options: ScanOptions, stats: WalkStats) -> list[FileEntry]:
    own = str(options.report.resolve())
    walked = walk_tree(top, stats, options.skip_dirs)
    return [entry for entry in walked if entry.path != own]


def _resume_state(
    entries: Iterable[FileEntry], options: ScanOptions
) -> tuple[dict[str, Record], set[str]]:
    """Records to keep from an earlier run and the paths they already cover."""
    if not options.resume:
        with open(options.report, "r+b") as handle:  # truncate in place: the lock stays valid
            handle.truncate(0)
        return {}, set()
    loaded = load_report(options.report, options.format)
    current = {entry.path: entry.key for entry in entries}
    kept = {
        path: record
        for path, record in loaded.records.items()
        if path not in current or record_key(record) == current[path]
    }
    if len(kept) != len(loaded.records) or loaded.duplicates or loaded.damaged_lines:
        rewrite_report(options.report, options.format, list(kept.values()))
    done = {path for path in kept if path in current}
    return kept, done
