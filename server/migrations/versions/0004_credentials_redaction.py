"""Credentials that can be listed and ended, throttling by address, password
resets, who edited a post, and events findable by the post they are about.

- ``auth_session``: ``last_used_at``, ``user_agent``, ``address`` (a person sees
  their sessions and ends any of them).
- ``api_token``: ``expires_at``, ``last_used_at``.
- ``login_failure``: ``address`` (throttling by account and address, and by
  address alone).
- ``password_reset``: one-time links that set a new password.
- ``post.edited_by``: who made the last edit (a moderator's edit says so).
- ``channel_event.post_id`` (indexed with the channel): the post or comment an
  event is about, so a delete or an edit can take the old text out of every
  event that carried it. Existing logs are cleaned here: events of deleted
  posts lose their text, events of edited posts carry only the current text.

Revision ID: 0004
Revises: 0003
"""

import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TEXT_KINDS = ("post.created", "post.edited", "comment.created", "comment.edited")


def upgrade() -> None:
    with op.batch_alter_table("auth_session", schema=None) as batch_op:
        batch_op.add_column(sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("user_agent", sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column("address", sa.String(length=64), nullable=True))
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.add_column(sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("login_failure", schema=None) as batch_op:
        batch_op.add_column(sa.Column("address", sa.String(length=64), nullable=True))
        batch_op.create_index("ix_login_failure_address_at", ["address", "at"], unique=False)
    op.create_table(
        "password_reset",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["account.id"]),
        sa.ForeignKeyConstraint(["created_by"], ["account.id"]),
        sa.PrimaryKeyConstraint("token_hash"),
    )
    with op.batch_alter_table("password_reset", schema=None) as batch_op:
        batch_op.create_index("ix_password_reset_user_id", ["user_id"], unique=False)
    with op.batch_alter_table("post", schema=None) as batch_op:
        batch_op.add_column(sa.Column("edited_by", sa.Integer(), nullable=True))
        batch_op.create_foreign_key("fk_post_edited_by", "account", ["edited_by"], ["id"])
    with op.batch_alter_table("channel_event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("post_id", sa.Integer(), nullable=True))
        batch_op.create_index("ix_channel_event_post", ["channel_id", "post_id"], unique=False)
    _backfill()


def _data(raw: object) -> dict[str, object]:
    return json.loads(raw) if isinstance(raw, str) else dict(raw)  # type: ignore[arg-type]


def _backfill() -> None:
    """Which post each event is about, and no replayable text that a delete or
    an edit should have taken away."""
    bind = op.get_bind()
    events = sa.table(
        "channel_event",
        sa.column("channel_id", sa.Integer),
        sa.column("seq", sa.Integer),
        sa.column("kind", sa.String),
        sa.column("data", sa.JSON),
        sa.column("post_id", sa.Integer),
    )
    posts = {
        row.id: row
        for row in bind.execute(sa.text("SELECT id, parent_id, body, html, deleted_at FROM post"))
    }

    def gone(post_id: int) -> bool:
        post = posts[post_id]
        parent = posts.get(post.parent_id) if post.parent_id is not None else None
        return post.deleted_at is not None or (parent is not None and parent.deleted_at is not None)

    for row in bind.execute(sa.select(events)).fetchall():
        data = _data(row.data)
        post = data.get("post")
        post_id = post.get("id") if isinstance(post, dict) else data.get("post_id")
        if not isinstance(post_id, int):
            continue
        changes: dict[str, object] = {"post_id": post_id}
        current = posts.get(post_id)
        if row.kind in TEXT_KINDS and isinstance(post, dict) and current is not None:
            body, html = ("", "") if gone(post_id) else (current.body, current.html or "")
            if post.get("body") != body:
                changes["data"] = {**data, "post": {**post, "body": body, "html": html}}
        bind.execute(
            sa.update(events)
            .where(events.c.channel_id == row.channel_id, events.c.seq == row.seq)
            .values(**changes)
        )


def downgrade() -> None:
    with op.batch_alter_table("channel_event", schema=None) as batch_op:
        batch_op.drop_index("ix_channel_event_post")
        batch_op.drop_column("post_id")
    with op.batch_alter_table("post", schema=None) as batch_op:
        batch_op.drop_constraint("fk_post_edited_by", type_="foreignkey")
        batch_op.drop_column("edited_by")
    op.drop_table("password_reset")
    with op.batch_alter_table("login_failure", schema=None) as batch_op:
        batch_op.drop_index("ix_login_failure_address_at")
        batch_op.drop_column("address")
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.drop_column("last_used_at")
        batch_op.drop_column("expires_at")
    with op.batch_alter_table("auth_session", schema=None) as batch_op:
        batch_op.drop_column("address")
        batch_op.drop_column("user_agent")
        batch_op.drop_column("last_used_at")
