"""The Telegram moderation bot's state: chat settings, strikes, allowlist, file cache, offset,
seen updates, actions, counters and appeals.

Revision ID: 0004_telegram
Revises: 0003_decisions
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_telegram"
down_revision = "0003_decisions"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TELEGRAM_ID = sa.BigInteger()
MOMENT = sa.DateTime(timezone=True)
STATUSES = "'done', 'dry-run', 'held', 'confirmed', 'false-positive', 'unbanned', 'failed'"
TABLES = (
    "telegram_appeals",
    "telegram_counters",
    "telegram_actions",
    "telegram_seen_updates",
    "telegram_state",
    "telegram_files",
    "telegram_allowlist",
    "telegram_strikes",
    "telegram_chats",
)


def upgrade() -> None:
    _chat_tables()
    _bot_tables()
    _action_tables()


def downgrade() -> None:
    for table in TABLES:
        op.drop_table(table)


def _chat_tables() -> None:
    op.create_table(
        "telegram_chats",
        sa.Column("chat_id", TELEGRAM_ID, nullable=False, autoincrement=False),
        sa.Column("settings", sa.Text(), nullable=False),
        sa.Column("updated_at", MOMENT, nullable=False),
        sa.PrimaryKeyConstraint("chat_id", name="pk_telegram_chats"),
    )
    op.create_table(
        "telegram_strikes",
        sa.Column("chat_id", TELEGRAM_ID, nullable=False, autoincrement=False),
        sa.Column("user_id", TELEGRAM_ID, nullable=False, autoincrement=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("updated_at", MOMENT, nullable=False),
        sa.PrimaryKeyConstraint("chat_id", "user_id", name="pk_telegram_strikes"),
    )
    op.create_table(
        "telegram_allowlist",
        sa.Column("chat_id", TELEGRAM_ID, nullable=False, autoincrement=False),
        sa.Column("user_id", TELEGRAM_ID, nullable=False, autoincrement=False),
        sa.Column("allowed_by", TELEGRAM_ID, nullable=False),
        sa.Column("at", MOMENT, nullable=False),
        sa.PrimaryKeyConstraint("chat_id", "user_id", name="pk_telegram_allowlist"),
    )
    op.create_table(
        "telegram_counters",
        sa.Column("chat_id", TELEGRAM_ID, nullable=False, autoincrement=False),
        sa.Column("event", sa.String(16), nullable=False),
        sa.Column("count", sa.BigInteger(), nullable=False),
        sa.Column("since", MOMENT, nullable=False),
        sa.PrimaryKeyConstraint("chat_id", "event", name="pk_telegram_counters"),
    )


def _bot_tables() -> None:
    op.create_table(
        "telegram_files",
        sa.Column("file_unique_id", sa.String(64), nullable=False),
        sa.Column("fingerprint", sa.Text(), nullable=False),
        sa.Column("findings", sa.Text(), nullable=False),
        sa.Column("at", MOMENT, nullable=False),
        sa.PrimaryKeyConstraint("file_unique_id", name="pk_telegram_files"),
    )
    op.create_index("ix_telegram_files_at", "telegram_files", ["at"])
    op.create_table(
        "telegram_state",
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_telegram_state"),
    )
    op.create_table(
        "telegram_seen_updates",
        sa.Column("update_id", TELEGRAM_ID, nullable=False, autoincrement=False),
        sa.Column("at", MOMENT, nullable=False),
        sa.PrimaryKeyConstraint("update_id", name="pk_telegram_seen_updates"),
    )


def _action_tables() -> None:
    op.create_table(
        "telegram_actions",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("chat_id", TELEGRAM_ID, nullable=False),
        sa.Column("message_id", TELEGRAM_ID, nullable=False),
        sa.Column("sender_id", TELEGRAM_ID, nullable=True),
        sa.Column("sender_chat_id", TELEGRAM_ID, nullable=True),
        sa.Column("file_unique_id", sa.String(64), nullable=True),
        sa.Column("decision_id", sa.BigInteger(), nullable=True),
        sa.Column("decision", sa.String(8), nullable=False),
        sa.Column("done", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("log_message_id", TELEGRAM_ID, nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("at", MOMENT, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_telegram_actions"),
        sa.CheckConstraint(
            f"status IN ({STATUSES})", name=op.f("ck_telegram_actions_status_known")
        ),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "ix_telegram_actions_chat_id_message_id", "telegram_actions", ["chat_id", "message_id"]
    )
    op.create_table(
        "telegram_appeals",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("action_id", BIG_ID, nullable=False),
        sa.Column("chat_id", TELEGRAM_ID, nullable=False),
        sa.Column("user_id", TELEGRAM_ID, nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("at", MOMENT, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_telegram_appeals"),
        sa.ForeignKeyConstraint(
            ["action_id"],
            ["telegram_actions.id"],
            name="fk_telegram_appeals_action_id_telegram_actions",
            ondelete="CASCADE",
        ),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_telegram_appeals_action_id", "telegram_appeals", ["action_id"])
    op.create_index("ix_telegram_appeals_chat_id", "telegram_appeals", ["chat_id"])
    op.create_index("ix_telegram_appeals_user_id", "telegram_appeals", ["user_id"])
