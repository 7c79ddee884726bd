"""shared advice answers

History rows reference an answer's members (stored once in ``advice_answers``) and keep
only their per-request tail; rows written earlier keep their whole ``response_json``.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import apfa.models.base

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "advice_answers",
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("members_json", sa.Text(), nullable=False),
        sa.Column("last_used_at", apfa.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("digest", name=op.f("pk_advice_answers")),
    )
    with op.batch_alter_table("advice_requests", schema=None) as batch_op:
        batch_op.add_column(sa.Column("answer_digest", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("response_tail", sa.Text(), nullable=True))
        batch_op.alter_column("response_json", existing_type=sa.Text(), nullable=True)


def downgrade() -> None:
    # Rows written as references are made whole again before the columns go.
    op.execute(
        "UPDATE advice_requests SET response_json = '{' || "
        "(SELECT members_json FROM advice_answers WHERE digest = answer_digest) || ',' || "
        "response_tail WHERE response_json IS NULL AND answer_digest IS NOT NULL"
    )
    op.execute("DELETE FROM advice_requests WHERE response_json IS NULL")
    with op.batch_alter_table("advice_requests", schema=None) as batch_op:
        batch_op.alter_column("response_json", existing_type=sa.Text(), nullable=False)
        batch_op.drop_column("response_tail")
        batch_op.drop_column("answer_digest")
    op.drop_table("advice_answers")
