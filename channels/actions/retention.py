"""Posts past a channel's retention, deleted for good: the mechanics only.
Which channels keep posts how long, and when this runs, is archive/'s
(archive/retention.py); this module deletes what it is asked to, in the
caller's unit, the way a delete by its author would reach every reader.

A post older than the limit goes with its comments (whatever their age: a
thread is judged by its post), its likes, its files (released here, their
bytes removed by the sweeper) and its search entries; its text and its
comments' leave the row and every event that carried them; ``post.deleted``
tells every open socket to drop it, so no replay, page, search or home feed
shows it again.

Claimed once across nodes: the candidate posts are locked as they are read
(``FOR UPDATE SKIP LOCKED`` on PostgreSQL: a node running at the same moment
skips them) and the ``UPDATE`` that marks them deleted checks ``deleted_at IS
NULL`` again, so each post's ``post.deleted`` is appended by one node only.
SQLite has one writer at a time (server/db.py), which makes the same true
there.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, update
from sqlalchemy import select as sa_select

from channels import attachments, search
from channels.actions.posts import _rewrite_content
from channels.facts import CHANNEL, PostDeleted
from channels.models import Like, Post
from core.clock import utcnow
from core.tables import table_of
from streams.unit import Unit

PURGE_BATCH = 200  # posts one claim takes at most

_POST, _LIKE = table_of(Post), table_of(Like)


async def purge_older_than(
    unit: Unit, channel_id: int, older_than: datetime, *, limit: int = PURGE_BATCH
) -> int:
    """Delete, in ``unit``, the oldest posts of the channel written before
    ``older_than`` (at most ``limit``), with their comments; answers how many
    posts (not comments) this unit claimed."""
    conn = await unit.db.connection()
    p = _POST.c
    candidates = (
        sa_select(p.id)
        .where(
            p.channel_id == channel_id,
            p.parent_id.is_(None),
            p.deleted_at.is_(None),
            p.created_at < older_than,
        )
        .order_by(p.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    ids = [i for (i,) in await conn.execute(candidates)]
    if not ids:
        return 0
    now = utcnow()
    claimed = sorted(
        i
        for (i,) in await conn.execute(
            update(_POST)
            .where(p.id.in_(ids), p.deleted_at.is_(None))
            .values(deleted_at=now, body="", html="", files=[], like_count=0, comment_count=0)
            .returning(p.id)
        )
    )
    if not claimed:
        return 0
    comments = [i for (i,) in await conn.execute(sa_select(p.id).where(p.parent_id.in_(claimed)))]
    if comments:
        await conn.execute(
            update(_POST)
            .where(p.id.in_(comments))
            .values(deleted_at=now, body="", html="", files=[], like_count=0)
        )
    gone = claimed + comments
    await conn.execute(delete(_LIKE).where(_LIKE.c.post_id.in_(gone)))
    await attachments.release(unit.db, gone)
    await search.drop_posts(unit, gone)
    await _rewrite_content(unit, channel_id, gone, "", "", [])
    await unit.append_many(
        CHANNEL, channel_id, [(PostDeleted(post_id=i), None, None) for i in claimed]
    )
    return len(claimed)
