"""``consentry serve``: run the registry service (FastAPI under uvicorn)."""

from __future__ import annotations

import logging.config
import os

import typer

from consentry.cli.output import print_note
from consentry.cli.state import state

DB_ENV = "CONSENTRY_DB"


def serve_command(
    ctx: typer.Context,
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8000, "--port", min=0, max=65535, help="Port to listen on."),
    db: str | None = typer.Option(
        None,
        "--db",
        envvar=DB_ENV,
        metavar="URL",
        help="Database URL, e.g. postgresql+psycopg://user@host/db "
        "(default: SQLite in the data directory).",
    ),
    workers: int = typer.Option(
        1, "--workers", "-w", min=1, metavar="N", help="Worker processes (each has the index)."
    ),
    log_level: str = typer.Option(
        "info", "--log-level", help="debug, info, warning or error (JSON lines on stderr)."
    ),
) -> None:
    """Run the registry service: cases for people at risk, matching and sync for partners.

    Migrations are applied before the workers start. Logs are JSON lines on stderr and never
    hold secrets, keys or media. Example: consentry serve --port 8000 --workers 4
    """
    import uvicorn

    from consentry.service.logs import log_config
    from consentry.store import Store

    home = state(ctx).home
    db = db or state(ctx).db_option
    level = log_level.lower()
    if level not in ("debug", "info", "warning", "error"):
        raise typer.BadParameter("expected debug, info, warning or error", param_hint="--log-level")
    # Migrate once here, so several workers do not race to do it.
    (Store.open_url(db, home=home) if db else Store.open(home)).close()
    os.environ["CONSENTRY_HOME"] = str(home)
    if db:
        os.environ[DB_ENV] = db
    else:
        os.environ.pop(DB_ENV, None)
    config = log_config(level)
    logging.config.dictConfig(config)
    where = "the configured database" if db else f"SQLite in {home}"
    print_note(f"consentry serving on http://{host}:{port} ({where}, {workers} worker(s))")
    uvicorn.run(
        "consentry.service.asgi:app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_config=config,
        log_level=level,
        access_log=False,
        server_header=False,
    )
