"""``consentry partner``: keys for the platforms that use the registry service."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import typer

from consentry.cli.output import (
    add_row,
    cell,
    emit_json,
    new_table,
    print_note,
    stdout_console,
)
from consentry.cli.state import state

if TYPE_CHECKING:
    from consentry.partners import Partner, Partners

DB_ENV = "CONSENTRY_DB"
SCOPES_HELP = "Comma-separated: match, sync, feedback, admin, review."

partner_app = typer.Typer(
    help="Partner keys for the service: create (the key is shown once), list, rotate, revoke. "
    "A running service accepts changes within a second.",
    no_args_is_help=True,
)


@partner_app.callback()
def partner_root(
    ctx: typer.Context,
    db: str | None = typer.Option(
        None,
        "--db",
        envvar=DB_ENV,
        metavar="URL",
        help="The service's database URL (default: SQLite in the data directory).",
    ),
) -> None:
    ctx.obj = {"db": db}


@contextmanager
def _partners(ctx: typer.Context) -> Iterator[Partners]:
    from consentry.partners import Partners

    db = ctx.obj.get("db") if isinstance(ctx.obj, dict) else None
    store = state(ctx).open_store(db)
    try:
        yield Partners(store)
    finally:
        store.close()


def _scopes(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _partner_json(partner: Partner) -> dict[str, object]:
    def when(value: object) -> object:
        return value.isoformat() if hasattr(value, "isoformat") else value

    return {
        "name": partner.name,
        "key_id": partner.key_id,
        "scopes": list(partner.scopes),
        "rate_per_minute": partner.rate_per_minute,
        "created_at": when(partner.created_at),
        "rotated_at": when(partner.rotated_at),
        "revoked_at": when(partner.revoked_at),
    }


def _show_key(name: str, key: str, as_json: bool) -> None:
    if as_json:
        emit_json({"name": name, "key": key})
        return
    typer.echo(key)
    print_note(f"the key of partner {name!r} is shown only this once: hand it over securely")


@partner_app.command("create")
def create_command(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="The partner's name (unique)."),
    scopes: str = typer.Option(..., "--scopes", help=SCOPES_HELP),
    rate: int = typer.Option(6000, "--rate", min=1, help="Requests per minute for this key."),
    as_json: bool = typer.Option(False, "--json", help='Print {"name", "key"} as JSON.'),
) -> None:
    """Create a partner and print its key (once: only a hash is kept)."""
    with _partners(ctx) as partners:
        created = partners.create(name, _scopes(scopes), rate_per_minute=rate)
    _show_key(created.name, created.key, as_json)


@partner_app.command("list")
def list_command(
    ctx: typer.Context,
    as_json: bool = typer.Option(False, "--json", help="One JSON object per line."),
) -> None:
    """List partners: key id (the public part of the key), scopes, dates. Never keys."""
    with _partners(ctx) as partners:
        found = partners.list()
    if as_json:
        for partner in found:
            emit_json(_partner_json(partner))
        return
    table = new_table("name", "key id", "scopes", "rate/min", "created", "revoked")
    for partner in found:
        row = _partner_json(partner)
        add_row(
            table,
            partner.name,
            partner.key_id,
            ",".join(partner.scopes),
            partner.rate_per_minute,
            cell(row["created_at"]),
            cell(row["revoked_at"]),
        )
    stdout_console().print(table)


@partner_app.command("rotate")
def rotate_command(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="The partner's name."),
    as_json: bool = typer.Option(False, "--json", help='Print {"name", "key"} as JSON.'),
) -> None:
    """Give the partner a new key; the old one stops working within a second."""
    with _partners(ctx) as partners:
        rotated = partners.rotate(name)
    _show_key(rotated.name, rotated.key, as_json)


@partner_app.command("revoke")
def revoke_command(
    ctx: typer.Context, name: str = typer.Argument(..., help="The partner's name.")
) -> None:
    """Revoke the partner's key for good (rotate to give it a new one)."""
    with _partners(ctx) as partners:
        partners.revoke(name)
    print_note(f"partner {name!r}: key revoked")
