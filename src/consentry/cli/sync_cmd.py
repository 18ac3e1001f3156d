"""``consentry sync``: mirror a remote registry's banks into this one."""

from __future__ import annotations

import hashlib
from pathlib import Path

import typer

from consentry.cli.output import emit_json
from consentry.cli.state import state

KEY_ENV = "CONSENTRY_SYNC_KEY"
DB_ENV = "CONSENTRY_DB"
STATE_DIRNAME = "sync"


def state_file_for(home: Path, source: str) -> Path:
    """One cursor file per remote source, in ``home/sync/``."""
    digest = hashlib.sha256(source.encode("utf-8")).hexdigest()[:16]
    return home / STATE_DIRNAME / f"{digest}.json"


def sync_command(
    ctx: typer.Context,
    url: str = typer.Option(
        ..., "--from", metavar="URL", help="The remote registry, e.g. https://registry.example."
    ),
    key: str = typer.Option(
        ...,
        "--key",
        envvar=KEY_ENV,
        metavar="KEY",
        show_default=False,
        help=f"A partner key with the sync scope. Prefer ${KEY_ENV}: a key on the command "
        "line is visible to other users of the machine.",
    ),
    prefix: str = typer.Option(
        "", "--prefix", metavar="P", help="Local bank name = P + remote bank name."
    ),
    db: str | None = typer.Option(
        None,
        "--db",
        envvar=DB_ENV,
        metavar="URL",
        help="Local database URL (default: SQLite in the data directory).",
    ),
    insecure: bool = typer.Option(
        False, "--insecure", help="Allow a plain http:// URL to another machine (testing only)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the report as one JSON object."),
) -> None:
    """Pull the remote registry's changes since the last run and apply them to local banks.

    Additions are copied (fingerprints and label, never any media), and removals, including
    a person withdrawing their case, delete the local copy. The cursor is saved after each
    page under the data directory, so rerunning resumes. Run it from cron or a timer.

    Example: CONSENTRY_SYNC_KEY=cs_... consentry sync --from https://registry.example --prefix hub-
    """
    from consentry.sync import sync_from
    from consentry.sync.client import source_of

    home = state(ctx).home
    source = source_of(url)
    store = state(ctx).open_store(db)
    try:
        report = sync_from(
            url,
            key,
            store,
            bank_prefix=prefix,
            state_file=state_file_for(home, source),
            allow_insecure=insecure,
        )
    finally:
        store.close()
    if as_json:
        emit_json(report.to_json())
        return
    banks = ", ".join(report.banks) or "none"
    typer.echo(
        f"synced from {report.source}: {report.added} added, {report.replaced} replaced, "
        f"{report.removed} removed, {report.invalid} invalid item(s) skipped, "
        f"{report.pages} page(s); banks changed: {banks}"
    )
