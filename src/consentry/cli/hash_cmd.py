"""``consentry hash``: fingerprints of files, as JSON lines or a table."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from consentry.cli.common import (
    ROTATIONS_HELP,
    checked_signals,
    classifier_option,
    fingerprint_paths,
    inspector_options,
    is_failure,
    signals_option,
    trust_anchors_option,
    workers_option,
)
from consentry.cli.exitcodes import ExitCode
from consentry.cli.output import add_row, cell, emit_json, new_table, print_note, stdout_console
from consentry.cli.signals_view import findings_words
from consentry.cli.state import state
from consentry.config import home_path

if TYPE_CHECKING:
    from rich.table import Table

    from consentry.signals import FileFingerprint


def hash_command(
    ctx: typer.Context,
    paths: list[str] = typer.Argument(..., metavar="PATH", help="Files or directories."),
    json_output: bool = typer.Option(
        False, "--json", help="One JSON object per file and line, instead of a table."
    ),
    rotations: bool = typer.Option(False, "--rotations", help=ROTATIONS_HELP),
    no_trim: bool = typer.Option(
        False, "--no-trim", help="Do not also hash the image with uniform borders removed."
    ),
    workers: int | None = workers_option(),
    regions: bool = typer.Option(
        False,
        "--regions",
        help="Also compute the protected-photo fingerprint (JSON key regions): register it "
        "as type regions, label protected-public-photo, to have fakes made from the photo found.",
    ),
    signals: str | None = signals_option(),
    classifiers: list[Path] = classifier_option(),
    trust_anchors: Path | None = trust_anchors_option(),
) -> None:
    """Fingerprint images and videos: PDQ (with quality), MD5, SHA-256, vPDQ for videos.

    Directories are walked recursively (symlinks and Consentry's own data directory are not
    followed); files in them that are not images or videos are listed as unsupported-format
    but do not count as failures.
    Nothing is stored. With --json each line is one file:
    path, kind, format, pdq, quality, low_quality, md5, sha256, width, height, variants,
    vpdq, warnings, error ({code, message} or null), and findings when --signals is given
    (each: signal, source, score, labels, ai_generated, evidence, error).

    Example: consentry hash photo.jpg clip.mp4 --json --signals nudity,provenance
    """
    failures = 0
    options = inspector_options(classifiers, trust_anchors)
    chosen = checked_signals(signals, options)
    table = None if json_output else _table(bool(chosen))
    walk = fingerprint_paths(
        paths,
        rotations=rotations,
        trim=not no_trim,
        workers=workers,
        skip_dirs=[home_path(state(ctx).home_option)],
        signals=chosen,
        options=options,
        regions="photo" if regions else None,
    )
    for entry, fp in walk:
        failures += is_failure(entry, fp)
        if table is None:
            emit_json(fp.to_json())
        else:
            _add_rows(table, fp)
    if table is not None:
        stdout_console().print(table)
    if failures:
        if table is not None:
            print_note(f"{failures} file(s) could not be fingerprinted; see the error column")
        raise typer.Exit(ExitCode.PARTIAL)


def _table(with_signals: bool) -> Table:
    columns = ["file", "kind", "size", "pdq", "quality", "notes"]
    table = new_table(*columns, *(["signals"] if with_signals else []))
    table.columns[3].no_wrap = True
    return table


def _add_rows(table: Table, fp: FileFingerprint) -> None:
    size = f"{fp.width}x{fp.height}" if fp.width and fp.height else "-"
    kind = f"{fp.kind} ({fp.format})" if fp.kind else "-"
    signals = [] if fp.findings is None else [findings_words(fp.findings)]
    add_row(table, cell(fp.path), kind, size, cell(fp.pdq), cell(fp.quality), _notes(fp), *signals)
    blank = [""] * len(signals)
    for variant in fp.variants:
        add_row(
            table, "", f"  {variant.transform}", "", variant.pdq, str(variant.quality), "", *blank
        )


def _notes(fp: FileFingerprint) -> str:
    if fp.error is not None:
        return f"error: {fp.error.message} [{fp.error.code}]"
    notes = list(fp.warnings)
    if fp.vpdq is not None:
        notes.insert(0, f"vPDQ: {len(fp.vpdq)} frame hashes")
    return "; ".join(notes)
