"""``consentry match``: fingerprint files and look them up in banks."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import typer

from consentry.cli.common import ROTATIONS_HELP, fingerprint_paths, is_failure, workers_option
from consentry.cli.exitcodes import ExitCode
from consentry.cli.output import add_row, cell, emit_json, new_table, print_note, stdout_console
from consentry.cli.state import state
from consentry.policy.engine import region_words
from consentry.scan.jobs import match_fingerprint, match_json

if TYPE_CHECKING:
    from rich.table import Table

    from consentry.signals import FileFingerprint


def match_command(
    ctx: typer.Context,
    paths: list[str] = typer.Argument(..., metavar="PATH", help="Files or directories."),
    banks: list[str] = typer.Option(
        ..., "--bank", "-b", metavar="NAME", help="Bank to match against (repeat for several)."
    ),
    json_output: bool = typer.Option(
        False, "--json", help="One JSON object per file: path, pdq, quality, matches, error."
    ),
    rotations: bool = typer.Option(False, "--rotations", help=ROTATIONS_HELP),
    workers: int | None = workers_option(),
) -> None:
    """Match files against one or more banks and say what matched, how close, and why.

    A PDQ match is within the bank's radius (Hamming distance, 0 = identical pixels); the
    transform says which variant of the file matched (original, trimmed = borders removed,
    rotate90... with --rotations). MD5/SHA-256 matches are exact byte-for-byte copies.
    vPDQ matches compare videos frame by frame. The kind column says "copy", or, for a file
    made from a photo in a protected bank, "derived" with a score (0-1) and the region of the
    file where the photo was found (x from-to, y from-to, as fractions of its width and height).

    Example: consentry match upload.jpg --bank ncii-main --rotations --json
    """
    from consentry.matching import Matcher

    failures = 0
    table = None if json_output else _table()
    with state(ctx).open_store() as store:
        matcher = Matcher(store, list(dict.fromkeys(banks)))
        walk = fingerprint_paths(
            paths,
            rotations=rotations,
            workers=workers,
            skip_dirs=[state(ctx).home],
            regions="query" if matcher.has_regions else None,
        )
        for entry, fp in walk:
            failures += is_failure(entry, fp)
            found = [match_json(m) for m in match_fingerprint(matcher, fp)]
            if table is None:
                emit_json(_match_result(fp, found))
            else:
                _add_rows(table, fp, found)
    if table is not None:
        stdout_console().print(table)
    if failures:
        if table is not None:
            print_note(f"{failures} file(s) could not be fingerprinted; see the table")
        raise typer.Exit(ExitCode.PARTIAL)


def _match_result(fp: FileFingerprint, found: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "path": fp.path,
        "kind": fp.kind,
        "pdq": fp.pdq,
        "quality": fp.quality,
        "low_quality": fp.low_quality,
        "md5": fp.md5,
        "sha256": fp.sha256,
        "matches": found,
        "warnings": list(fp.warnings),
        "error": None if fp.error is None else fp.error.to_dict(),
    }


def _table() -> Table:
    return new_table(
        "file", "match", "bank", "entry", "label", "distance", "transform", "signal", "kind"
    )


def kind_words(match: Mapping[str, Any]) -> str:
    """ "copy", or "derived 0.62 (region 0.10-0.90 x 0.05-0.70)" for a derived match."""
    if match.get("kind", "copy") != "derived":
        return "copy"
    words = "derived"
    if match.get("score") is not None:
        words += f" {match['score']:.2f}"
    if match.get("region") is not None:
        words += f" (region {region_words(match['region'])})"
    return words


def _add_rows(table: Table, fp: FileFingerprint, found: list[dict[str, Any]]) -> None:
    if fp.error is not None and not found:
        add_row(table, cell(fp.path), f"error: {fp.error.message} [{fp.error.code}]", *[""] * 7)
        return
    if not found:
        verdict = "no (low-quality hash, not used)" if fp.low_quality else "no"
        add_row(table, cell(fp.path), verdict, *[""] * 7)
        return
    for number, match in enumerate(found):
        add_row(
            table,
            cell(fp.path) if number == 0 else "",
            "MATCH" if number == 0 else "",
            match["bank"],
            str(match["entry"]),
            cell(match["label"]),
            str(match["distance"]),
            cell(match["transform"]),
            match["signal"],
            kind_words(match),
        )
