"""The job's incremental fill of the rollups (usage/models.py) from stored
data, and its claim, so that one node runs each round.

A round, in one transaction:

1. Claim the job's state row: ``SELECT ... FOR UPDATE SKIP LOCKED`` (another
   node's round in progress: skip), then a conditional UPDATE of
   ``claimed_at`` that succeeds only if no round was claimed in the last
   ``gap`` seconds (another node's round just ended: skip). Exactly one node
   runs a round per interval, however many look.
2. Recount the days from the day before ``filled_until`` to today (today is
   not over, and a write committed just after midnight belongs to
   yesterday): delete their rows, insert them again, grouped in SQL. A
   feature counted for the first time (an entry added since the last round)
   is counted over the whole history window. A round that fails rolls back
   whole: no half-filled day is ever kept (unlike Zulip's FillState, there
   is no "started" state to undo).
3. Build the report from the rollups (report.py) and store it in the row.

Days are UTC days. Deleting a post later does not uncount it: use happened.
Rows older than the window (``HISTORY_DAYS``) are deleted, searches' too.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, insert, literal, or_, update
from sqlalchemy import select as sa_select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from channels import mentions
from channels.models import Channel, ChannelKind, Like, Post
from core.tables import table_of
from usage import features
from usage.models import AnalyticsLink, AnalyticsSearch, AnalyticsState, AnalyticsUse

HISTORY_DAYS = 400  # the window counted (a year of months, and some)
STATE = "report"
_USE, _LINK, _STATE = table_of(AnalyticsUse), table_of(AnalyticsLink), table_of(AnalyticsState)
_SEARCH = table_of(AnalyticsSearch)
_POST, _CHANNEL, _LIKE = table_of(Post), table_of(Channel), table_of(Like)


async def claim(conn: AsyncConnection, now: datetime, gap: float) -> Any | None:
    """The state row, claimed for a round at ``now`` (None: another node has it,
    or ran one less than ``gap`` seconds ago)."""
    s = _STATE.c
    dialect = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    await conn.execute(dialect(_STATE).values(name=STATE, counted=[]).on_conflict_do_nothing())
    locked = (
        await conn.execute(
            sa_select(s.name).where(s.name == STATE).with_for_update(skip_locked=True)
        )
    ).first()
    if locked is None:
        return None
    row = (
        await conn.execute(
            update(_STATE)
            .where(
                s.name == STATE,
                or_(s.claimed_at.is_(None), s.claimed_at <= now - timedelta(seconds=gap)),
            )
            .values(claimed_at=now)
            .returning(s.filled_until, s.counted, s.report)
        )
    ).first()
    return row


async def fill(
    conn: AsyncConnection, filled_until: date | None, counted: list[str], on: date
) -> date | None:
    """Recount the rollups from the day before ``filled_until`` to ``on``
    (today); features not in ``counted`` over the whole window. Answers the
    first day recounted (None: the whole window, for some feature at least)."""
    first = on - timedelta(days=HISTORY_DAYS)
    start = max(first, filled_until - timedelta(days=1)) if filled_until else first
    end = on + timedelta(days=1)
    for name in features.available():
        since = start if name in counted else first
        await conn.execute(delete(_USE).where(_USE.c.feature == name, _USE.c.day >= since))
        query = features.QUERIES.get(name)
        if query is not None:
            await conn.execute(
                insert(_USE).from_select(
                    ["day", "feature", "user_id", "channel_id", "uses"],
                    features.grouped(conn, query(), since, end, name),
                )
            )
        else:
            uses = await features.ENTRIES[name](conn, since, end)
            if uses:
                await conn.execute(
                    insert(_USE),
                    [
                        {
                            "day": u.day,
                            "feature": name,
                            "user_id": u.user_id,
                            "channel_id": u.channel_id,
                            "uses": u.uses,
                        }
                        for u in uses
                    ],
                )
    # Nothing older than the window is kept (searches included).
    for table in (_USE, _LINK, _SEARCH):
        await conn.execute(delete(table).where(table.c.day < first))
    links_from = start if filled_until else first
    await conn.execute(delete(_LINK).where(_LINK.c.day >= links_from))
    await _links(conn, links_from, end)
    whole = filled_until is None or any(n not in counted for n in features.available())
    return None if whole else start


async def _links(conn: AsyncConnection, start: date, end: date) -> None:
    """Comments on someone's post, likes of it and mentions of them, between two
    different people, in channels (not direct conversations)."""
    p, ch, k = _POST.c, _CHANNEL.c, _LIKE.c
    direct = ChannelKind.direct.value
    columns = ["day", "kind", "actor_id", "target_id", "n"]
    comment = _POST.alias("c")
    day = features.day_of(conn, comment.c.created_at)
    await conn.execute(
        insert(_LINK).from_select(
            columns,
            sa_select(day, literal("comment"), comment.c.author_id, p.author_id, func.count())
            .select_from(
                comment.join(_POST, p.id == comment.c.parent_id).join(
                    _CHANNEL, ch.id == comment.c.channel_id
                )
            )
            .where(
                comment.c.created_at >= features.bound(start),
                comment.c.created_at < features.bound(end),
                ch.kind != direct,
                comment.c.author_id != p.author_id,
            )
            .group_by(day, comment.c.author_id, p.author_id),
        )
    )
    day = features.day_of(conn, k.created_at)
    await conn.execute(
        insert(_LINK).from_select(
            columns,
            sa_select(day, literal("like"), k.user_id, p.author_id, func.count())
            .select_from(_LIKE.join(_POST, p.id == k.post_id).join(_CHANNEL, ch.id == p.channel_id))
            .where(
                k.created_at >= features.bound(start),
                k.created_at < features.bound(end),
                ch.kind != direct,
                k.user_id != p.author_id,
            )
            .group_by(day, k.user_id, p.author_id),
        )
    )
    direct_ids = {i for (i,) in await conn.execute(sa_select(ch.id).where(ch.kind == direct))}
    pairs: dict[tuple[date, int, int], int] = {}
    for _id, author, channel, when, html in await features.mentioning_posts(conn, start, end):
        if channel in direct_ids:
            continue
        for person in mentions.mentioned(html).people:
            if person != author:
                key = (features.as_date(when), author, person)
                pairs[key] = pairs.get(key, 0) + 1
    if pairs:
        await conn.execute(
            insert(_LINK),
            [
                {"day": d, "kind": "mention", "actor_id": a, "target_id": t, "n": n}
                for (d, a, t), n in pairs.items()
            ],
        )
