"""advice history in columns

A history row no longer keeps JSON fragments split at a byte offset: the per-request
fields of a response are its columns (the user's name comes from ``users``), and the
answer it shares with other rows is a whole JSON document, ``advice_answers.body_json``.
Rows written before answers were shared get their answer stored the same way.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03 12:00:00
"""

import hashlib
import json
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ENVELOPE = ("user", "request_id", "cached", "latency_ms")
BATCH = 500

answers = sa.table(
    "advice_answers",
    sa.column("digest", sa.String),
    sa.column("members_json", sa.Text),
    sa.column("body_json", sa.Text),
    sa.column("last_used_at", sa.DateTime(timezone=True)),
)
requests = sa.table(
    "advice_requests",
    sa.column("id", sa.Integer),
    sa.column("user_id", sa.Integer),
    sa.column("request_id", sa.String),
    sa.column("cached", sa.Boolean),
    sa.column("latency_ms", sa.Float),
    sa.column("created_at", sa.DateTime(timezone=True)),
    sa.column("answer_digest", sa.String),
    sa.column("response_tail", sa.Text),
    sa.column("response_json", sa.Text),
)
users = sa.table("users", sa.column("id", sa.Integer), sa.column("username", sa.String))


def _compact(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _store_legacy_answers(bind: sa.Connection) -> None:
    """Rows that hold their whole response: store its answer part, refer to it."""
    while True:
        rows = bind.execute(
            sa.select(requests.c.id, requests.c.response_json, requests.c.created_at)
            .where(requests.c.answer_digest.is_(None), requests.c.response_json.is_not(None))
            .limit(BATCH)
        ).all()
        if not rows:
            return
        for row_id, response_json, created_at in rows:
            body = {k: v for k, v in json.loads(response_json).items() if k not in ENVELOPE}
            body_json = _compact(body)
            digest = hashlib.sha256(body_json[1:-1].encode()).hexdigest()
            known = bind.execute(
                sa.select(answers.c.digest).where(answers.c.digest == digest)
            ).first()
            if known is None:
                bind.execute(
                    answers.insert().values(
                        digest=digest, body_json=body_json, last_used_at=created_at
                    )
                )
            bind.execute(
                requests.update().where(requests.c.id == row_id).values(answer_digest=digest)
            )


def upgrade() -> None:
    with op.batch_alter_table("advice_answers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("body_json", sa.Text(), nullable=True))
    op.execute("UPDATE advice_answers SET body_json = '{' || members_json || '}'")
    with op.batch_alter_table("advice_answers", schema=None) as batch_op:
        batch_op.drop_column("members_json")
        batch_op.alter_column("body_json", existing_type=sa.Text(), nullable=False)
    _store_legacy_answers(op.get_bind())
    op.execute("DELETE FROM advice_requests WHERE answer_digest IS NULL")
    with op.batch_alter_table("advice_requests", schema=None) as batch_op:
        batch_op.drop_column("response_tail")
        batch_op.drop_column("response_json")
        batch_op.alter_column("answer_digest", existing_type=sa.String(length=64), nullable=False)
        batch_op.create_foreign_key(
            op.f("fk_advice_requests_answer_digest_advice_answers"),
            "advice_answers",
            ["answer_digest"],
            ["digest"],
        )


def _write_tails(bind: sa.Connection) -> None:
    """The 0004 format: the per-request end of each response, after the members."""
    last = 0
    while True:
        rows = bind.execute(
            sa.select(
                requests.c.id,
                users.c.username,
                requests.c.request_id,
                requests.c.cached,
                requests.c.latency_ms,
            )
            .join(users, users.c.id == requests.c.user_id)
            .where(requests.c.id > last)
            .order_by(requests.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        for row_id, username, request_id, cached, latency_ms in rows:
            envelope = {
                "user": username,
                "request_id": request_id,
                "cached": bool(cached),
                "latency_ms": latency_ms,
            }
            bind.execute(
                requests.update()
                .where(requests.c.id == row_id)
                .values(response_tail=_compact(envelope)[1:])
            )
        last = rows[-1][0]


def downgrade() -> None:
    with op.batch_alter_table("advice_requests", schema=None) as batch_op:
        batch_op.drop_constraint(
            op.f("fk_advice_requests_answer_digest_advice_answers"), type_="foreignkey"
        )
        batch_op.alter_column("answer_digest", existing_type=sa.String(length=64), nullable=True)
        batch_op.add_column(sa.Column("response_tail", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("response_json", sa.Text(), nullable=True))
    _write_tails(op.get_bind())
    with op.batch_alter_table("advice_answers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("members_json", sa.Text(), nullable=True))
    op.execute(
        "UPDATE advice_answers SET members_json = substr(body_json, 2, length(body_json) - 2)"
    )
    with op.batch_alter_table("advice_answers", schema=None) as batch_op:
        batch_op.drop_column("body_json")
        batch_op.alter_column("members_json", existing_type=sa.Text(), nullable=False)
