"""``consentry hash``: fingerprints of files, as JSON lines or a table."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from consentry.cli.common import ROTATIONS_HELP, fingerprint_paths, is_failure, workers_option
from consentry.cli.exitcodes import ExitCode
from consentry.cli.output import add_row, cell, emit_json, new_table, print_note, stdout_console
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
) -> None:
    """Fingerprint images and videos: PDQ (with quality), MD5, SHA-256, vPDQ for videos.

    Directories are walked recursively (symlinks and Consentry's own data directory are not
    followed); files in them that are not images or videos are listed as unsupported-format
    but do not count as failures.
    Nothing is stored. With --json each line is one file:
    path, kind, format, pdq, quality, low_quality, md5, sha256, width, height, variants,
    vpdq, warnings, error ({code, message} or null).

    Example: consentry hash photo.jpg clip.mp4 --json
    """
    failures = 0
    table = None if json_output else _table()
    walk = fingerprint_paths(
        paths,
        rotations=rotations,
        trim=not no_trim,
        workers=workers,
        skip_dirs=[home_path(state(ctx).home_option)],
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


def _table() -> Table:
    table = new_table("file", "kind", "size", "pdq", "quality", "notes")
    table.columns[3].no_wrap = True
    return table


def _add_rows(table: Table, fp: FileFingerprint) -> None:
    size = f"{fp.width}x{fp.height}" if fp.width and fp.height else "-"
    kind = f"{fp.kind} ({fp.format})" if fp.kind else "-"
    add_row(table, cell(fp.path), kind, size, cell(fp.pdq), cell(fp.quality), _notes(fp))
    for variant in fp.variants:
        add_row(table, "", f"  {variant.transform}", "", variant.pdq, str(variant.quality), "")


def _notes(fp: FileFingerprint) -> str:
    if fp.error is not None:
        return f"error: {fp.error.message} [{fp.error.code}]"
    notes = list(fp.warnings)
    if fp.vpdq is not None:
        notes.insert(0, f"vPDQ: {len(fp.vpdq)} frame hashes")
    return "; ".join(notes)
