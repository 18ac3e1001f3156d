"""``consentry serve``: run the registry service (FastAPI under uvicorn)."""

from __future__ import annotations

import logging.config
import os
from pathlib import Path

import typer

from consentry.cli.common import (
    checked_signals,
    classifier_option,
    inspector_options,
    trust_anchors_option,
)
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
    policy: str = typer.Option(
        "default",
        "--policy",
        envvar="CONSENTRY_POLICY",
        metavar="FILE|default",
        help="The policy POST /v1/match/media?decide=true applies (TOML file).",
    ),
    classifiers: list[Path] = classifier_option(),
    trust_anchors: Path | None = trust_anchors_option(),
) -> None:
    """Run the registry service: cases for people at risk, matching and sync for partners.

    Migrations are applied before the workers start. Logs are JSON lines on stderr and never
    hold secrets, keys or media. Example: consentry serve --port 8000 --workers 4
    """
    import uvicorn

    from consentry.policy.option import policy_from_option
    from consentry.service.asgi import (
        CLASSIFIERS_ENV,
        POLICY_ENV,
        TRUST_ANCHORS_ENV,
        telegram_from_env,
    )
    from consentry.service.logs import log_config
    from consentry.signals.inspectors import operator_names as load_operator_names
    from consentry.store import Store

    home = state(ctx).home
    db = db or state(ctx).db_option
    level = log_level.lower()
    if level not in ("debug", "info", "warning", "error"):
        raise typer.BadParameter("expected debug, info, warning or error", param_hint="--log-level")
    # Fail here, not in every worker: a bad policy, classifier or trust anchor file.
    options = inspector_options(classifiers, trust_anchors)
    policy_from_option(policy)
    load_operator_names(options)  # loads (checks) each operator classifier
    if options.trust_anchors:
        checked_signals("provenance", options)
    # Migrate once here, so several workers do not race to do it.
    (Store.open_url(db, home=home) if db else Store.open(home)).close()
    os.environ[POLICY_ENV] = policy
    os.environ[CLASSIFIERS_ENV] = os.pathsep.join(options.classifier_configs)
    if options.trust_anchors:
        os.environ[TRUST_ANCHORS_ENV] = options.trust_anchors
    else:
        os.environ.pop(TRUST_ANCHORS_ENV, None)
    os.environ["CONSENTRY_HOME"] = str(home)
    if db:
        os.environ[DB_ENV] = db
    else:
        os.environ.pop(DB_ENV, None)
    config = log_config(level)
    logging.config.dictConfig(config)
    where = "the configured database" if db else f"SQLite in {home}"
    base = f"http://{host}:{port}"
    print_note(f"consentry serving on {base} ({where}, {workers} worker(s))")
    print_note(f"  people at risk: {base}/  ·  check a case: {base}/case  ·  review: {base}/review")
    if telegram_from_env() is not None:
        print_note(f"  Telegram bot updates: {base}/telegram/webhook")
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
