"""``consentry bank ...``: create, list, fill, export/import and delete banks of fingerprints."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import typer

from consentry.cli import exchange_cmd
from consentry.cli.common import fingerprint_paths, is_failure, workers_option
from consentry.cli.exitcodes import EXIT_CODES_HELP, ExitCode
from consentry.cli.output import (
    add_row,
    cell,
    emit_json,
    new_table,
    print_error,
    print_note,
    stdout_console,
)
from consentry.cli.state import state
from consentry.scan.jobs import entry_fingerprints

if TYPE_CHECKING:
    from consentry.signals import FileFingerprint

bank_app = typer.Typer(
    rich_markup_mode="markdown",
    help=(
        "Banks of fingerprints: the hashes of images and videos to look for, never the media. "
        "Each entry is one image or video (its PDQ, MD5, SHA-256 and, for videos, vPDQ), "
        "with an optional label and note.\n\n"
        "Example: consentry bank create ncii-main --radius 31 && "
        "consentry bank add ncii-main photo.jpg --label case-17"
    ),
    epilog=EXIT_CODES_HELP,
    no_args_is_help=True,
)


@bank_app.command("create", epilog=EXIT_CODES_HELP)
def create(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Bank name: letters, digits, '_', '.', '-'."),
    radius: int = typer.Option(
        31,
        "--radius",
        "-r",
        metavar="N",
        help="Largest PDQ distance (0-256) that counts as a match.",
    ),
    kind: str = typer.Option(
        "ncii",
        "--kind",
        help="Bank kind. ncii: intimate images reported by the people in them, matched for "
        "copies. protected: public photos of people at risk, matched for fakes made from them "
        "(derived matches).",
    ),
    description: str | None = typer.Option(None, "--description", "-d", metavar="TEXT"),
) -> None:
    """Create an empty bank.

    The radius is the largest PDQ Hamming distance reported as a match: 31 (the default,
    PDQ's recommended threshold) finds resized, recompressed and lightly edited copies;
    lower is stricter.

    A bank of kind "protected" holds public photos a person at risk has already posted: a
    file made from one of them (a region replaced, cropped, padded...) is reported as a
    derived match, and the default policy sends it to review, or blocks it with nudity.

    Example: consentry bank create ncii-main --radius 31 --description "reports from the helpline"
    """
    with state(ctx).open_store() as store:
        bank = store.create_bank(name, kind=kind, radius=radius, description=description)
    print_note(f"created bank {bank.name!r} (kind {bank.kind}, radius {bank.radius})")


@bank_app.command("list", epilog=EXIT_CODES_HELP)
def list_banks(
    ctx: typer.Context,
    json_output: bool = typer.Option(False, "--json", help="One JSON object per bank and line."),
) -> None:
    """List the banks with their settings and number of entries.

    Example: consentry bank list --json
    """
    with state(ctx).open_store() as store:
        banks = store.list_banks()
    if json_output:
        for bank in banks:
            emit_json(bank.to_json())
        return
    if not banks:
        print_note("no banks yet: create one with `consentry bank create NAME`")
        return
    table = new_table("name", "kind", "radius", "entries", "enabled", "created", "description")
    for bank in banks:
        add_row(
            table,
            bank.name,
            bank.kind,
            str(bank.radius),
            str(bank.entry_count),
            "yes" if bank.enabled else "no",
            bank.created_at.strftime("%Y-%m-%d %H:%M"),
            cell(bank.description),
        )
    stdout_console().print(table)


@bank_app.command("add", epilog=EXIT_CODES_HELP)
def add(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="The bank to add to."),
    paths: list[str] = typer.Argument(..., metavar="PATH", help="Files or directories."),
    label: str | None = typer.Option(None, "--label", "-l", help="Label for the new entries."),
    note: str | None = typer.Option(
        None, "--note", metavar="TEXT", help="Note for the new entries."
    ),
    rotations: bool = typer.Option(
        False, "--rotations", help="Also store the hashes of the 8 rotations/flips."
    ),
    json_output: bool = typer.Option(
        False, "--json", help="One JSON object per file: path, entry, fingerprints, error."
    ),
    workers: int | None = workers_option(),
) -> None:
    """Fingerprint files and add one entry per file to a bank (the files are not kept).

    Each entry holds the file's PDQ hash (and the hash with uniform borders removed, and with
    --rotations the 8 rotations/flips), MD5, SHA-256 and, for videos and animations, vPDQ.
    In a bank of kind protected, each photo's region fingerprint is stored too, so that a
    fake made from it (a part replaced, cropped, padded, slightly rotated) is found as a
    "derived" match.
    Low-quality PDQ hashes (quality <= 49: too little detail) are left out with a warning.
    Directories are walked recursively.

    Example: consentry bank add ncii-main ./reported/ --label case-17 --json
    """
    failures = 0
    with state(ctx).open_store() as store:
        bank = store.get_bank(name)  # unknown bank: fail before fingerprinting anything
        protected = bank.kind == "protected"
        walk = fingerprint_paths(
            paths,
            rotations=rotations,
            workers=workers,
            skip_dirs=[state(ctx).home],
            regions="photo" if protected else None,
        )
        for entry, fp in walk:
            if fp.error is not None:
                failures += is_failure(entry, fp)
                _report_added(fp, None, 0, json_output)
                continue
            if protected and fp.regions is None and fp.regions_error:
                fp.warnings.append(f"not protected against fakes: {fp.regions_error}")
            pairs = entry_fingerprints(fp, rotations=rotations)
            entry_id = store.add_entry(name, pairs, label=label, note=note) if pairs else None
            failures += entry_id is None
            _report_added(fp, entry_id, len(pairs), json_output)
    if failures:
        raise typer.Exit(ExitCode.PARTIAL)


def _report_added(fp: FileFingerprint, entry_id: int | None, count: int, as_json: bool) -> None:
    error = fp.error.to_dict() if fp.error is not None else None
    if entry_id is None and error is None:
        error = {"code": "no-fingerprint", "message": f"{fp.path}: nothing usable to store"}
    if as_json:
        emit_json(
            {
                "path": fp.path,
                "entry": entry_id,
                "fingerprints": count,
                "warnings": list(fp.warnings),
                "error": error,
            }
        )
        return
    if error is not None:
        print_error(error["message"], error["code"])
        return
    for warning in fp.warnings:
        print_note(f"warning: {fp.path}: {warning}")
    typer.echo(f"{fp.path}: added as entry {entry_id} ({count} fingerprints)")


@bank_app.command("remove", epilog=EXIT_CODES_HELP)
def remove(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="The bank."),
    entry: int = typer.Argument(..., help="The entry id (shown by `bank add` and in matches)."),
) -> None:
    """Remove one entry and all its fingerprints from a bank, for good.

    Example: consentry bank remove ncii-main 42
    """
    with state(ctx).open_store() as store:
        store.remove_entry(name, entry)
    print_note(f"removed entry {entry} from bank {name!r}")


@bank_app.command("delete", epilog=EXIT_CODES_HELP)
def delete(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="The bank to delete."),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
) -> None:
    """Delete a bank with all its entries and fingerprints, for good.

    Asks for confirmation on a terminal; elsewhere (scripts, pipes) --yes is required.

    Example: consentry bank delete old-test-bank --yes
    """
    with state(ctx).open_store() as store:
        bank = store.get_bank(name)
        if not yes and not _confirmed(bank.name, bank.entry_count):
            print_note("nothing deleted")
            return
        store.delete_bank(name)
    print_note(f"deleted bank {name!r} ({bank.entry_count} entries)")


def _confirmed(name: str, entries: int) -> bool:
    if not stdin_is_terminal():
        print_error(f"refusing to delete bank {name!r} without --yes (not a terminal)", "needs-yes")
        raise typer.Exit(ExitCode.USAGE)
    question = f"Delete bank {name!r} and its {entries} entries? This cannot be undone."
    return typer.confirm(question, default=False)


def stdin_is_terminal() -> bool:
    return sys.stdin.isatty()


exchange_cmd.register(bank_app)
