"""Apply the packaged Alembic migrations programmatically (no alembic.ini needed)."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine

from consentry.store.engine import WRITE_BEGIN_OPTION, take_write_lock

SCRIPT_LOCATION = "consentry.store:migrations"


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    return config


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def upgrade_to_head(engine: Engine) -> bool:
    """Bring the schema to the newest revision; returns whether anything ran.

    The check and the upgrade happen under the write lock, so two processes opening
    a fresh file at once do not both try to create the tables.
    """
    head = head_revision()
    with engine.connect() as probe:
        if current_revision(probe) == head:
            return False
    config = alembic_config()
    writer = engine.connect().execution_options(**{WRITE_BEGIN_OPTION: "BEGIN IMMEDIATE"})
    with writer as conn, conn.begin():
        take_write_lock(conn)
        if current_revision(conn) == head:
            return False
        config.attributes["connection"] = conn
        command.upgrade(config, "head")
    return True
