"""Initial schema: banks, entries, fingerprints.

Revision ID: 0001_initial
Revises:
Create Date: 2025-01-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_initial"
down_revision = None
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "banks",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("radius", sa.Integer(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_banks"),
        sa.UniqueConstraint("name", name="uq_banks_name"),
        sa.CheckConstraint("radius >= 0 AND radius <= 256", name=op.f("ck_banks_radius_range")),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "entries",
        sa.Column("id", BIG_ID, primary_key=True),
        sa.Column("bank_id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(1024), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_entries"),
        sa.ForeignKeyConstraint(
            ["bank_id"], ["banks.id"], name="fk_entries_bank_id_banks", ondelete="CASCADE"
        ),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_entries_bank_id", "entries", ["bank_id"])
    op.create_table(
        "fingerprints",
        sa.Column("id", BIG_ID, primary_key=True),
        sa.Column("entry_id", BIG_ID, nullable=False),
        sa.Column("type", sa.String(16), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("lookup_key", sa.String(80), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_fingerprints"),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["entries.id"],
            name="fk_fingerprints_entry_id_entries",
            ondelete="CASCADE",
        ),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_fingerprints_entry_id", "fingerprints", ["entry_id"])
    op.create_index("ix_fingerprints_type_lookup_key", "fingerprints", ["type", "lookup_key"])


def downgrade() -> None:
    op.drop_table("fingerprints")
    op.drop_table("entries")
    op.drop_table("banks")
