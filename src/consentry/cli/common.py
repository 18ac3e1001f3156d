"""Pieces shared by the commands that fingerprint files (hash, match, bank add)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from consentry.scan import NOT_MEDIA_CODES, FileEntry, choose_workers, expand_inputs, run_parallel
from consentry.scan.jobs import WORKER_PRELOAD, FingerprintTask, fingerprint_of

if TYPE_CHECKING:
    from consentry.signals import FileFingerprint

WORKERS_HELP = "Worker processes (default: one per CPU core; 1 = no pool)."
ROTATIONS_HELP = (
    "Also hash the 8 rotations/flips, so a rotated or mirrored copy is found "
    "(the match says which transform)."
)


def workers_option() -> int | None:
    return typer.Option(None, "--workers", "-w", min=1, metavar="N", help=WORKERS_HELP)


def fingerprint_paths(
    paths: Sequence[str],
    *,
    rotations: bool,
    trim: bool = True,
    workers: int | None = None,
    skip_dirs: Sequence[Path] = (),
) -> Iterator[tuple[FileEntry, FileFingerprint]]:
    """Fingerprint named files and (recursively) directories, in input order.

    Directories in ``skip_dirs`` (Consentry's own data directory) are not walked into.
    """
    entries = list(expand_inputs(paths, skip=skip_dirs))
    count = choose_workers(workers, len(entries))
    plain = FingerprintTask(rotations=rotations, trim=trim)
    walked = FingerprintTask(rotations=rotations, trim=trim, sniff_first=True)
    jobs = [(entry, walked if entry.from_directory else plain) for entry in entries]
    outcomes = run_parallel(_run_task, jobs, workers=count, ordered=True, preload=WORKER_PRELOAD)
    for outcome in outcomes:
        entry = outcome.item[0]
        yield entry, fingerprint_of(entry.path, outcome)


def _run_task(job: tuple[FileEntry, FingerprintTask]) -> FileFingerprint:
    entry, task = job
    return task(entry.path)


def is_failure(entry: FileEntry, fp: FileFingerprint) -> bool:
    """Files met while walking a directory that are simply not media are not failures."""
    if fp.error is None:
        return False
    return not (entry.from_directory and fp.error.code in NOT_MEDIA_CODES)
