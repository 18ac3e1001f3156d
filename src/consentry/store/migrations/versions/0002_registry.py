"""Registry: cases, changes, partners, feedback, audit; entry flags; bank action hint.

Revision ID: 0002_registry
Revises: 0001_initial
Create Date: 2025-02-01

Written without batch mode: on SQLite a batch operation copies and drops ``entries``, and
with foreign keys on, dropping it would cascade into ``fingerprints``. Plain
``ALTER TABLE ... ADD COLUMN`` is enough for everything here.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_registry"
down_revision = "0001_initial"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
MOMENT = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.add_column(
        "banks", sa.Column("action", sa.String(16), nullable=False, server_default="block")
    )
    op.create_table(
        "cases",
        sa.Column("id", BIG_ID, primary_key=True),
        sa.Column("public_id", sa.String(32), nullable=False),
        sa.Column("secret_hash", sa.Text(), nullable=False),
        sa.Column("bank_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", MOMENT, nullable=False),
        sa.Column("updated_at", MOMENT, nullable=False),
        sa.Column("failed_attempts", sa.Integer(), nullable=False),
        sa.Column("locked_until", MOMENT, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_cases"),
        sa.UniqueConstraint("public_id", name="uq_cases_public_id"),
        sa.ForeignKeyConstraint(
            ["bank_id"], ["banks.id"], name="fk_cases_bank_id_banks", ondelete="CASCADE"
        ),
        sa.CheckConstraint("status IN ('active', 'withdrawn')", name=op.f("ck_cases_status_known")),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_cases_bank_id", "cases", ["bank_id"])
    # No foreign key to cases.id (see EntryRow.case_id): plain ADD COLUMN on both databases.
    op.add_column("entries", sa.Column("case_id", BIG_ID, nullable=True))
    op.create_index("ix_entries_case_id", "entries", ["case_id"])
    op.add_column(
        "entries",
        sa.Column("suspended", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.add_column(
        "entries",
        sa.Column("confirmed_count", sa.Integer(), nullable=False, server_default="0"),
    )
    op.add_column(
        "entries",
        sa.Column("false_positive_count", sa.Integer(), nullable=False, server_default="0"),
    )
    op.create_table(
        "changes",
        sa.Column("seq", BIG_ID, primary_key=True),
        sa.Column("bank_id", sa.Integer(), nullable=False),
        sa.Column("bank", sa.String(64), nullable=False),
        sa.Column("entry_id", sa.BigInteger(), nullable=False),
        sa.Column("op", sa.String(8), nullable=False),
        sa.Column("at", MOMENT, nullable=False),
        sa.PrimaryKeyConstraint("seq", name="pk_changes"),
        sa.CheckConstraint("op IN ('add', 'remove')", name=op.f("ck_changes_op_known")),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "partners",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("key_id", sa.String(12), nullable=False),
        sa.Column("key_hash", sa.String(64), nullable=False),
        sa.Column("scopes", sa.Text(), nullable=False),
        sa.Column("created_at", MOMENT, nullable=False),
        sa.Column("rotated_at", MOMENT, nullable=True),
        sa.Column("revoked_at", MOMENT, nullable=True),
        sa.Column("rate_per_minute", sa.Integer(), nullable=False, server_default="6000"),
        sa.PrimaryKeyConstraint("id", name="pk_partners"),
        sa.UniqueConstraint("name", name="uq_partners_name"),
        sa.UniqueConstraint("key_id", name="uq_partners_key_id"),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "feedback",
        sa.Column("id", BIG_ID, primary_key=True),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("bank_id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.BigInteger(), nullable=False),
        sa.Column("verdict", sa.String(16), nullable=False),
        sa.Column("at", MOMENT, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_feedback"),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partners.id"],
            name="fk_feedback_partner_id_partners",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["bank_id"], ["banks.id"], name="fk_feedback_bank_id_banks", ondelete="CASCADE"
        ),
        sa.CheckConstraint(
            "verdict IN ('correct', 'false-positive')", name=op.f("ck_feedback_verdict_known")
        ),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_feedback_partner_id", "feedback", ["partner_id"])
    op.create_index("ix_feedback_bank_id", "feedback", ["bank_id"])
    op.create_table(
        "audit",
        sa.Column("id", BIG_ID, primary_key=True),
        sa.Column("at", MOMENT, nullable=False),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("details", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_audit"),
        sqlite_autoincrement=True,
    )
    _record_existing_entries()


def _record_existing_entries() -> None:
    """Entries from before the change log get an "add" each, so followers see them."""
    op.execute(
        "INSERT INTO changes (bank_id, bank, entry_id, op, at) "
        "SELECT entries.bank_id, banks.name, entries.id, 'add', entries.created_at "
        "FROM entries JOIN banks ON banks.id = entries.bank_id ORDER BY entries.id"
    )


def downgrade() -> None:
    """For developers only. On SQLite the batch steps copy ``entries``: run this on a
    connection with ``PRAGMA foreign_keys = OFF``, or the copy cascades into fingerprints."""
    op.drop_table("audit")
    op.drop_table("feedback")
    op.drop_table("partners")
    op.drop_table("changes")
    with op.batch_alter_table("entries") as batch:
        batch.drop_index("ix_entries_case_id")
        batch.drop_column("false_positive_count")
        batch.drop_column("confirmed_count")
        batch.drop_column("suspended")
        batch.drop_column("case_id")
    op.drop_table("cases")
    with op.batch_alter_table("banks") as batch:
        batch.drop_column("action")
