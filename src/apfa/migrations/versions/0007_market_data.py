"""market data

Observations of market series (mortgage averages, policy and Treasury rates, inflation,
unemployment) fetched from FRED and the U.S. Treasury, one row per series, source and date.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 22:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import apfa.models.base

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "market_observations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("series_id", sa.String(length=32), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("observation_date", sa.Date(), nullable=False),
        sa.Column("value", sa.Numeric(precision=12, scale=4), nullable=False),
        sa.Column("fetched_at", apfa.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_market_observations")),
        sa.UniqueConstraint(
            "series_id", "source", "observation_date", name="uq_market_observations_point"
        ),
    )
    with op.batch_alter_table("market_observations", schema=None) as batch_op:
        batch_op.create_index(
            "ix_market_observations_latest", ["series_id", "observation_date"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("market_observations", schema=None) as batch_op:
        batch_op.drop_index("ix_market_observations_latest")
    op.drop_table("market_observations")
