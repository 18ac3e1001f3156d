"""Decisions: what the policy decided about content, with its signals and explanation.

Revision ID: 0003_decisions
Revises: 0002_registry
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_decisions"
down_revision = "0002_registry"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
MOMENT = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "decisions",
        sa.Column("id", BIG_ID, primary_key=True),
        sa.Column("at", MOMENT, nullable=False),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=True),
        sa.Column("chat", sa.String(128), nullable=True),
        sa.Column("reference", sa.String(512), nullable=True),
        sa.Column("sha256", sa.String(64), nullable=True),
        sa.Column("pdq", sa.String(64), nullable=True),
        sa.Column("action", sa.String(8), nullable=False),
        sa.Column("rule", sa.String(128), nullable=True),
        sa.Column("banks", sa.Text(), nullable=False),
        sa.Column("details", sa.Text(), nullable=False),
        sa.Column("review", sa.String(16), nullable=True),
        sa.Column("reviewed_by", sa.String(128), nullable=True),
        sa.Column("reviewed_at", MOMENT, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_decisions"),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partners.id"],
            name="fk_decisions_partner_id_partners",
            ondelete="SET NULL",
        ),
        sa.CheckConstraint(
            "action IN ('block', 'review', 'allow')", name=op.f("ck_decisions_action_known")
        ),
        sa.CheckConstraint(
            "review IS NULL OR review IN ('pending', 'approved', 'rejected')",
            name=op.f("ck_decisions_review_known"),
        ),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_decisions_at", "decisions", ["at"])
    op.create_index("ix_decisions_partner_id", "decisions", ["partner_id"])
    op.create_index("ix_decisions_chat", "decisions", ["chat"])
    op.create_index("ix_decisions_sha256", "decisions", ["sha256"])
    op.create_index("ix_decisions_review_at", "decisions", ["review", "at"])


def downgrade() -> None:
    op.drop_table("decisions")
