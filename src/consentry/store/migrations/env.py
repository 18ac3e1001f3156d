"""Alembic environment: runs on the connection ``consentry.store.migrate`` hands in.

Developers can also run ``alembic -c src/consentry/store/alembic.ini ...`` with
``sqlalchemy.url`` set there or via ``-x url=...``.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from consentry.store.engine import url_engine
from consentry.store.models import Base


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


def _run_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = url_engine(_url())
    with engine.connect() as fresh:
        _run(fresh)
        fresh.commit()
    engine.dispose()


def _run_offline() -> None:
    """``alembic ... upgrade head --sql``: print the DDL for a DBA instead of running it."""
    context.configure(url=_url(), target_metadata=Base.metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def _url() -> str:
    explicit = context.get_x_argument(as_dictionary=True).get("url")
    return explicit or context.config.get_main_option("sqlalchemy.url")


if context.is_offline_mode():
    _run_offline()
else:
    _run_online()
