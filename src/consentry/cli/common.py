"""Pieces shared by the commands that fingerprint files (hash, match, bank add)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from consentry.scan import NOT_MEDIA_CODES, FileEntry, choose_workers, expand_inputs, run_parallel
from consentry.scan.jobs import WORKER_PRELOAD, FingerprintTask, fingerprint_of
from consentry.signals.inspectors import InspectorOptions, build_inspectors, parse_signal_names

if TYPE_CHECKING:
    from consentry.signals import FileFingerprint

WORKERS_HELP = "Worker processes (default: one per CPU core; 1 = no pool)."
ROTATIONS_HELP = (
    "Also hash the 8 rotations/flips, so a rotated or mirrored copy is found "
    "(the match says which transform)."
)


SIGNALS_HELP = (
    "Also run these signals on each file, comma-separated: nudity (open_nsfw score), "
    "nudenet (region detector, opt-in extra), provenance (C2PA, IPTC/XMP source type, "
    "generator metadata, Stable Diffusion watermark), the name of a --classifier, or all."
)


def workers_option() -> int | None:
    return typer.Option(None, "--workers", "-w", min=1, metavar="N", help=WORKERS_HELP)


def signals_option() -> str | None:
    return typer.Option(None, "--signals", "-s", metavar="NAMES", help=SIGNALS_HELP)


def classifier_option() -> list[Path]:
    return typer.Option(
        [],
        "--classifier",
        metavar="FILE.toml",
        help="An operator ONNX classifier's config (repeat for several); see docs/classifiers.md.",
    )


def trust_anchors_option() -> Path | None:
    return typer.Option(
        None,
        "--trust-anchors",
        metavar="PEM",
        help="C2PA trust anchors (PEM bundle): manifests signed outside them are untrusted.",
    )


def policy_option() -> str | None:
    return typer.Option(
        None,
        "--policy",
        envvar="CONSENTRY_POLICY",
        metavar="FILE|default",
        help="Decide on each file with this policy (TOML; 'default' = the shipped one). "
        "Check a policy with: consentry policy check FILE",
    )


def inspector_options(classifiers: Sequence[Path], trust_anchors: Path | None) -> InspectorOptions:
    return InspectorOptions(
        classifier_configs=tuple(str(path) for path in classifiers),
        trust_anchors=None if trust_anchors is None else str(trust_anchors),
    )


def checked_signals(text: str | None, options: InspectorOptions) -> tuple[str, ...]:
    """Parse --signals and build each inspector once here, so a bad name or config fails
    before any file is read (workers build their own copies)."""
    names = parse_signal_names(text)
    if names:
        build_inspectors(names, options)
    return names


def fingerprint_paths(
    paths: Sequence[str],
    *,
    rotations: bool,
    trim: bool = True,
    workers: int | None = None,
    skip_dirs: Sequence[Path] = (),
    signals: tuple[str, ...] = (),
    options: InspectorOptions | None = None,
    regions: str | None = None,
) -> Iterator[tuple[FileEntry, FileFingerprint]]:
    """Fingerprint named files and (recursively) directories, in input order, running
    ``signals`` too when asked. Directories in ``skip_dirs`` (Consentry's own data
    directory) are not walked into.
    """
    entries = list(expand_inputs(paths, skip=skip_dirs))
    count = choose_workers(workers, len(entries))
    task = FingerprintTask(
        rotations=rotations,
        trim=trim,
        signals=signals,
        inspector_options=options,
        regions=regions,
    )
    plain = task
    walked = replace(task, sniff_first=True)
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
