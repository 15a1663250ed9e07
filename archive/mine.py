"""A person's own data, to download as one JSON document ("Download my
data", ``GET /api/me/export``).

What is theirs: their profile (their own email included), every post and
comment they wrote that still exists (wherever it is: their words are
theirs, even in a group they have left), their likes, the files they
uploaded (metadata, and the address each downloads from while they may see
it), their direct conversations (everything said there that they may read:
they were in them), their notifications, their votes in polls (anonymous
ones too: the vote is theirs), their answers to events, the announcements
they confirmed and their comments on announcements, the surveys they
answered (that they did, and when: an anonymous survey's answers are kept
without anyone's name, so nobody can give them back), and their preferences
(language, mail, each channel's notification level, whom they blocked).

What is not: anyone else's email (other people appear as id and name only),
posts of others outside their direct conversations, conversations they were
not in, messages of a group conversation from before they were added. Every
query here is keyed by the person's own id, so nothing else can slip in.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, not_, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from announcements.models import Announcement, AnnouncementComment, AnnouncementRead
from archive.records import to_json
from channels.access import post_before_joining
from channels.attachments import Attachment
from channels.models import (
    Block,
    Channel,
    ChannelKind,
    Like,
    Membership,
    PollOption,
    PollVote,
    Post,
)
from core.clock import iso, utcnow
from core.tables import table_of
from gatherings.models import Gathering, Rsvp
from notify.models import Notification
from org.models import Department, User
from surveys.models import Survey, SurveyRespondent

FORMAT = "kaisha-my-data"
VERSION = 1

_POST, _CHANNEL, _MEMBER, _LIKE = (
    table_of(Post),
    table_of(Channel),
    table_of(Membership),
    table_of(Like),
)
_USER, _DEPT, _FILE, _NOTE, _BLOCK = (
    table_of(User),
    table_of(Department),
    table_of(Attachment),
    table_of(Notification),
    table_of(Block),
)


_VOTE, _OPTION, _RSVP, _GATHERING = (
    table_of(PollVote),
    table_of(PollOption),
    table_of(Rsvp),
    table_of(Gathering),
)
_NOTICE_COMMENT = table_of(AnnouncementComment)
_NOTICE, _CONFIRMED, _SURVEY, _RESPONDENT = (
    table_of(Announcement),
    table_of(AnnouncementRead),
    table_of(Survey),
    table_of(SurveyRespondent),
)


def _row(mapping: Any) -> dict[str, Any]:
    return {k: to_json(v) for k, v in mapping.items()}


async def my_data(conn: AsyncConnection, user_id: int) -> dict[str, Any]:
    """Everything above, for ``user_id``."""
    u, p, c = _USER.c, _POST.c, _CHANNEL.c
    me = (
        await conn.execute(
            select(
                u.id,
                u.email,
                u.display_name,
                u.reading,
                u.bio,
                u.role,
                u.start_date,
                u.created_at,
                u.language,
                u.mention_email,
                u.department_id,
                _DEPT.c.name.label("department"),
            )
            .outerjoin(_DEPT, _DEPT.c.id == u.department_id)
            .where(u.id == user_id)
        )
    ).one()
    posts = await conn.execute(
        select(
            p.id,
            p.channel_id,
            c.name.label("channel"),
            c.kind.label("channel_kind"),
            p.parent_id,
            p.body,
            p.created_at,
            p.edited_at,
            p.anonymous,
            p.files,
        )
        .join(_CHANNEL, c.id == p.channel_id)
        .where(p.author_id == user_id, p.deleted_at.is_(None))
        .order_by(p.id)
    )
    likes = await conn.execute(
        select(_LIKE.c.post_id, p.channel_id, _LIKE.c.created_at)
        .join(_POST, p.id == _LIKE.c.post_id)
        .where(_LIKE.c.user_id == user_id, p.deleted_at.is_(None))
        .order_by(_LIKE.c.created_at)
    )
    f = _FILE.c
    files = await conn.execute(
        select(
            f.id,
            f.name,
            f.media_type,
            f.size,
            f.created_at,
            f.channel_id,
            f.post_id,
            f.announcement_id,
        )
        .where(f.uploader_id == user_id, f.deleted_at.is_(None))
        .order_by(f.pk)
    )
    n = _NOTE.c
    notifications = await conn.execute(
        select(
            n.id, n.kind, n.channel_id, n.post_id, n.thread_id, n.excerpt, n.created_at, n.read_at
        )
        .where(n.user_id == user_id)
        .order_by(n.id)
    )
    m = _MEMBER.c
    channels = await conn.execute(
        select(m.channel_id, c.name, c.kind, m.notify, m.joined_at)
        .join(_CHANNEL, c.id == m.channel_id)
        .where(m.user_id == user_id)
        .order_by(m.channel_id)
    )
    blocked = await conn.execute(
        select(u.id, u.display_name)
        .join(_BLOCK, _BLOCK.c.blocked_id == u.id)
        .where(_BLOCK.c.user_id == user_id)
        .order_by(u.id)
    )
    return {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": iso(utcnow()),
        "profile": _row(me._mapping),
        "posts": [_row(r._mapping) for r in posts],
        "likes": [_row(r._mapping) for r in likes],
        "files": [{**_row(r._mapping), "url": f"/api/files/{r.id}/content"} for r in files],
        "direct_messages": await _conversations(conn, user_id),
        "notifications": [_row(r._mapping) for r in notifications],
        **await _company_life(conn, user_id),
        "preferences": {
            "language": me.language,
            "mention_email": me.mention_email,
            "channels": [_row(r._mapping) for r in channels],
            "blocked": [_row(r._mapping) for r in blocked],
        },
    }


async def _company_life(conn: AsyncConnection, user_id: int) -> dict[str, Any]:
    """Votes, answers to events, confirmations, comments on announcements and
    surveys answered."""
    v, o = _VOTE.c, _OPTION.c
    votes = await conn.execute(
        select(v.post_id, o.text.label("option"), v.voted_at)
        .join(_OPTION, o.id == v.option_id)
        .where(v.user_id == user_id)
        .order_by(v.post_id, o.position)
    )
    r, g = _RSVP.c, _GATHERING.c
    events = await conn.execute(
        select(r.gathering_id, g.title, g.starts_at, r.answer, r.answered_at)
        .join(_GATHERING, g.id == r.gathering_id)
        .where(r.user_id == user_id)
        .order_by(g.starts_at)
    )
    a, ar = _NOTICE.c, _CONFIRMED.c
    confirmed = await conn.execute(
        select(ar.announcement_id, a.title, ar.confirmed_at)
        .join(_NOTICE, a.id == ar.announcement_id)
        .where(ar.user_id == user_id)
        .order_by(ar.confirmed_at)
    )
    ac = _NOTICE_COMMENT.c
    commented = await conn.execute(
        select(ac.id, ac.announcement_id, a.title, ac.body, ac.created_at, ac.edited_at)
        .join(_NOTICE, a.id == ac.announcement_id)
        .where(ac.author_id == user_id)
        .order_by(ac.id)
    )
    s, sr = _SURVEY.c, _RESPONDENT.c
    surveys = await conn.execute(
        select(sr.survey_id, s.title, s.anonymous, sr.answered_at)
        .join(_SURVEY, s.id == sr.survey_id)
        .where(sr.user_id == user_id)
        .order_by(sr.answered_at)
    )
    return {
        "poll_votes": [_row(x._mapping) for x in votes],
        "event_answers": [_row(x._mapping) for x in events],
        "announcements_confirmed": [_row(x._mapping) for x in confirmed],
        "announcement_comments": [_row(x._mapping) for x in commented],
        "surveys_answered": [_row(x._mapping) for x in surveys],
    }


async def _conversations(conn: AsyncConnection, user_id: int) -> list[dict[str, Any]]:
    """Each direct conversation ``user_id`` is in, its people and what they may
    read of it (live messages, hidden ones only their own, none from before
    they were added)."""
    c, m, p, u = _CHANNEL.c, _MEMBER.c, _POST.c, _USER.c
    mine = [
        i
        for (i,) in await conn.execute(
            select(c.id)
            .join(_MEMBER, and_(m.channel_id == c.id, m.user_id == user_id))
            .where(c.kind == ChannelKind.direct.value)
            .order_by(c.id)
        )
    ]
    if not mine:
        return []
    people: dict[int, list[dict[str, Any]]] = {i: [] for i in mine}
    for channel_id, person_id, name in await conn.execute(
        select(m.channel_id, u.id, u.display_name)
        .join(_USER, u.id == m.user_id)
        .where(m.channel_id.in_(mine))
        .order_by(m.channel_id, u.id)
    ):
        people[channel_id].append({"id": person_id, "display_name": name})
    parent = _POST.alias("parent")
    messages: dict[int, list[dict[str, Any]]] = {i: [] for i in mine}
    rows = await conn.execute(
        select(
            p.id,
            p.channel_id,
            p.parent_id,
            p.author_id,
            u.display_name,
            p.body,
            p.created_at,
            p.edited_at,
            p.files,
        )
        .join(_USER, u.id == p.author_id)
        .outerjoin(parent, parent.c.id == p.parent_id)
        .where(
            p.channel_id.in_(mine),
            p.deleted_at.is_(None),
            or_(p.hidden_at.is_(None), p.author_id == user_id),
            or_(p.parent_id.is_(None), parent.c.deleted_at.is_(None)),
            not_(post_before_joining(user_id, _POST)),
        )
        .order_by(p.id)
    )
    for r in rows:
        row = _row(r._mapping)
        row["author"] = {"id": row.pop("author_id"), "display_name": row.pop("display_name")}
        messages[r.channel_id].append(row)
    return [{"conversation_id": i, "people": people[i], "messages": messages[i]} for i in mine]
