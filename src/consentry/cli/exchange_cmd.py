"""``consentry bank add-hashes / import / export``: fingerprint files in and out of banks."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import typer

from consentry.cli.exitcodes import EXIT_CODES_HELP, ExitCode
from consentry.cli.output import emit_json, print_error, print_note
from consentry.cli.state import state

if TYPE_CHECKING:
    from consentry.exchange import ImportReport
    from consentry.store import Store

FORMATS_HELP = (
    "csv (Consentry's: type,value,label,note,entry), pytx (python-threatexchange's "
    "'<type> <hash>' lines, or bare hashes), pytx-csv (threatexchange dataset --csv)"
)


def register(bank_app: typer.Typer) -> None:
    """Attach the exchange commands to the ``bank`` group."""
    bank_app.command("add-hashes", epilog=EXIT_CODES_HELP)(add_hashes)
    bank_app.command("import", epilog=EXIT_CODES_HELP)(import_file)
    bank_app.command("export", epilog=EXIT_CODES_HELP)(export)


def add_hashes(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="The bank to add to."),
    file: str = typer.Argument(..., help="Fingerprint file ('-' for standard input)."),
    file_format: str = typer.Option(
        "auto", "--format", "-f", metavar="auto|csv|pytx|pytx-csv", help=FORMATS_HELP
    ),
    label: str | None = typer.Option(
        None, "--label", "-l", help="Label for entries whose line has none."
    ),
    default_type: str = typer.Option(
        "pdq", "--type", metavar="TYPE", help="Type of bare hashes (a line with only a value)."
    ),
    json_output: bool = typer.Option(False, "--json", help="Print the import report as JSON."),
) -> None:
    """Add fingerprints from a file (hashes someone shared, not media) to an existing bank.

    Lines that cannot be used are reported with their line number and reason; all the
    others are added. Adding the same file again adds nothing twice. Exit code 3 if some
    lines were rejected.

    Example: consentry bank add-hashes ncii-main shared-hashes.txt --label partner-x
    """
    with state(ctx).open_store() as store:
        report = _import(store, name, file, file_format, label, default_type)
    _print_report(report, file, json_output)


def import_file(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="The bank to import into."),
    file: str = typer.Argument(..., help="A bank export ('-' for standard input)."),
    file_format: str = typer.Option(
        "auto", "--format", "-f", metavar="auto|csv|pytx|pytx-csv", help=FORMATS_HELP
    ),
    create: bool = typer.Option(False, "--create", help="Create the bank if it does not exist."),
    radius: int = typer.Option(
        31, "--radius", metavar="N", help="Radius of the bank when --create makes it."
    ),
    json_output: bool = typer.Option(False, "--json", help="Print the import report as JSON."),
) -> None:
    """Import a bank export (from `consentry bank export` or python-threatexchange).

    Entries, labels and notes are kept as the file has them (Consentry CSV). Bad lines are
    reported and skipped; importing the same file twice adds nothing the second time.

    Example: consentry bank import ncii-main ncii-main.csv --create
    """
    from consentry.store import UnknownBank

    with state(ctx).open_store() as store:
        try:
            store.get_bank(name)
        except UnknownBank:
            if not create:
                raise
            store.create_bank(name, radius=radius)
            print_note(f"created bank {name!r} (radius {radius})")
        report = _import(store, name, file, file_format, None, "pdq")
    _print_report(report, file, json_output)


def export(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="The bank to export."),
    file_format: str = typer.Option(
        "csv", "--format", "-f", metavar="csv|pytx|pytx-csv", help=FORMATS_HELP
    ),
    output: str = typer.Option(
        "-", "--output", "-o", metavar="FILE", help="Where to write ('-': standard output)."
    ),
) -> None:
    """Write a bank's fingerprints to a file to share or back up (never any media).

    The csv format keeps entries, labels and notes; pytx writes python-threatexchange's
    '<type> <hash>' lines (labels are lost).

    Example: consentry bank export ncii-main --format pytx --output ncii-main.txt
    """
    from consentry.exchange import export_bank

    with state(ctx).open_store() as store:
        if output == "-":
            count = export_bank(store, name, sys.stdout, format=file_format)
            sys.stdout.flush()
        else:
            count = export_bank(store, name, output, format=file_format)
    where = "standard output" if output == "-" else output
    print_note(f"exported {count} fingerprints of bank {name!r} to {where}")


def _import(
    store: Store, name: str, file: str, fmt: str, label: str | None, default_type: str
) -> ImportReport:
    from consentry.exchange import import_bank

    source: str | bytes = sys.stdin.buffer.read() if file == "-" else file
    return import_bank(store, name, source, format=fmt, label=label, default_type=default_type)


def _print_report(report: ImportReport, file: str, as_json: bool) -> None:
    if as_json:
        emit_json(report.to_json())
    else:
        for issue in report.errors:
            print_error(f"{file} line {issue.line}: {issue.reason}", issue.code)
        for issue in report.skipped:
            print_note(f"skipped {file} line {issue.line}: {issue.reason}")
        print_note(
            f"bank {report.bank!r}: {report.entries_added} entries and "
            f"{report.fingerprints_added} fingerprints added, {report.duplicates} already "
            f"there, {len(report.skipped)} skipped, {len(report.errors)} rejected "
            f"(format {report.format})"
        )
    if report.errors:
        raise typer.Exit(ExitCode.PARTIAL)
