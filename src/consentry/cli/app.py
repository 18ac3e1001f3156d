"""The ``consentry`` command: a thin Typer shell over the library.

Error policy, in one place (ConsentryGroup.invoke): a ConsentryError that escapes a command is
printed as one ``error: <message> [code]`` line and exits 4; anything else is a bug, printed
as one line (exit 1) unless CONSENTRY_DEBUG is set, which re-raises it for the traceback.
Commands that handle many inputs report per-input errors themselves and exit 3.
"""

from __future__ import annotations

import os
from typing import Any

import typer
from typer.core import TyperGroup

from consentry import __version__
from consentry.cli import (
    bank_cmd,
    bot_cmd,
    demo_cmd,
    evidence_cmd,
    hash_cmd,
    investigate_cmd,
    match_cmd,
    partner_cmd,
    policy_cmd,
    scan_cmd,
    serve_cmd,
    sync_cmd,
)
from consentry.cli.exitcodes import EXIT_CODES_HELP, ExitCode
from consentry.cli.output import print_error
from consentry.cli.state import CliState
from consentry.errors import ConsentryError

DEBUG_ENV = "CONSENTRY_DEBUG"


class ConsentryGroup(TyperGroup):
    """The root command group; turns escaping errors into one line and an exit code."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except ConsentryError as exc:
            print_error(exc.message, exc.code)
            raise typer.Exit(ExitCode.INVALID) from None
        except (typer.Exit, typer.Abort, typer.TyperException, KeyboardInterrupt, BrokenPipeError):
            raise
        except Exception as exc:
            if os.environ.get(DEBUG_ENV):
                raise
            print_error(
                f"internal error: {exc!r}; rerun with {DEBUG_ENV}=1 for the traceback "
                "and please report it",
                "internal",
            )
            raise typer.Exit(ExitCode.INTERNAL) from None


app = typer.Typer(
    cls=ConsentryGroup,
    name="consentry",
    help=(
        "Consentry protects people from non-consensual intimate images: it fingerprints images "
        "and videos (PDQ, vPDQ, MD5, SHA-256), keeps banks of fingerprints (never the media) "
        "and matches files or whole folders against them.\n\n"
        "Example: consentry bank create ncii-main && consentry bank add ncii-main photo.jpg && "
        "consentry scan ./uploads --bank ncii-main"
    ),
    epilog=EXIT_CODES_HELP,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode="markdown",
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"consentry {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    home: str | None = typer.Option(
        None,
        "--home",
        metavar="DIR",
        envvar="CONSENTRY_HOME",
        help="Where Consentry keeps its data (banks, scan reports). "
        "Default: $CONSENTRY_HOME, else a per-user data directory.",
    ),
    db: str | None = typer.Option(
        None,
        "--db",
        metavar="URL",
        envvar="CONSENTRY_DB",
        help="Database URL for banks, cases and partners, e.g. "
        "postgresql+psycopg://user@host/db. Default: SQLite in the data directory.",
    ),
    version: bool = typer.Option(
        False,
        "--version",
        callback=_print_version,
        is_eager=True,
        help="Print the version and exit.",
    ),
) -> None:
    ctx.obj = CliState(home_option=home, db_option=db)


app.command("hash", epilog=EXIT_CODES_HELP)(hash_cmd.hash_command)
app.add_typer(bank_cmd.bank_app, name="bank")
app.command("match", epilog=EXIT_CODES_HELP)(match_cmd.match_command)
app.command("scan", epilog=EXIT_CODES_HELP)(scan_cmd.scan_command)
app.command("demo")(demo_cmd.demo_command)
app.command("serve")(serve_cmd.serve_command)
app.add_typer(partner_cmd.partner_app, name="partner")
app.command("sync")(sync_cmd.sync_command)
app.add_typer(policy_cmd.policy_app, name="policy")
app.command("bot", epilog=EXIT_CODES_HELP)(bot_cmd.bot_command)
app.add_typer(evidence_cmd.evidence_app, name="evidence")
app.command("investigate", epilog=EXIT_CODES_HELP)(investigate_cmd.investigate_command)


def main() -> None:
    """Entry point of the ``consentry`` script and ``python -m consentry``."""
    app(prog_name="consentry")
