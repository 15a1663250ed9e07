"""Open questions across the channels one may read, oldest first, and the
"waiting for an answer" count mentors and moderators see.

The list is a read of posts as history shows them (``reads.post_select``,
so an anonymous asker is anonymous here too) joined to their question, with
the read rule inside the query (``readable_by``, and a group conversation's
history from one's joining): a page is always full, and nothing one may not
read is counted.
"""

from __future__ import annotations

import enum
from typing import Any

from pydantic import BaseModel
from sqlalchemy import and_, func, not_
from sqlalchemy import select as sa_select
from sqlalchemy.ext.asyncio import AsyncConnection

from channels import polls, reads
from channels.access import post_before_joining, readable_by
from channels.models import Channel, Post, PostPublic, Question, QuestionState
from channels.search import ChannelRef
from core.clock import iso
from core.errors import InvalidError
from core.tables import table_of
from org.models import User
from org.newcomers import Mentorship

PAGE = 20
MAX_PAGE = 50

_Q, _POST, _CHANNEL = table_of(Question), table_of(Post), table_of(Channel)
_MENTOR = table_of(Mentorship)
_QC = _Q.alias("open_question")


class StateFilter(enum.StrEnum):
    open = "open"  # unanswered or answered: not resolved yet (the default)
    unanswered = "unanswered"
    answered = "answered"
    resolved = "resolved"


class OpenQuestion(BaseModel):
    post: PostPublic
    channel: ChannelRef
    asked_at: str


class QuestionsPage(BaseModel):
    questions: list[OpenQuestion]
    after: int | None  # pass as ?after= for the next page; null at the end


class Waiting(BaseModel):
    """Questions waiting for a first answer that one answers for: as a
    moderator (every one one may read) or as a mentor (one's newcomers'
    questions that carry their name)."""

    count: int


def ask(
    channel: int | None, state: str | None, after: int | None, limit: int | None
) -> tuple[int | None, StateFilter, int | None, int]:
    if state is not None and state not in StateFilter.__members__:
        raise InvalidError("state: open, unanswered, answered or resolved")
    if limit is not None and not 1 <= limit <= MAX_PAGE:
        raise InvalidError(f"limit: 1 to {MAX_PAGE}")
    if after is not None and after < 1:
        raise InvalidError("after: a post id")
    return channel, StateFilter(state) if state else StateFilter.open, after, limit or PAGE


def _states(state: StateFilter) -> list[str]:
    if state is StateFilter.open:
        return [QuestionState.unanswered.value, QuestionState.answered.value]
    return [state.value]


async def open_questions(
    conn: AsyncConnection,
    user: User,
    *,
    channel: int | None = None,
    state: StateFilter = StateFilter.open,
    after: int | None = None,
    limit: int = PAGE,
) -> QuestionsPage:
    """Questions in the channels ``user`` may read, oldest first (by post id,
    which follows the time they were asked)."""
    where: list[Any] = [
        _QC.c.state.in_(_states(state)),
        _POST.c.deleted_at.is_(None),
        readable_by(user.id),
        not_(post_before_joining(user.id, _POST)),
    ]
    if channel is not None:
        where.append(_POST.c.channel_id == channel)
    if after is not None:
        where.append(_POST.c.id > after)
    stmt = (
        reads.post_select(user.id)
        .add_columns(_CHANNEL.c.name, _CHANNEL.c.kind, _QC.c.asked_at)
        .join(_QC, _QC.c.post_id == _POST.c.id)
        .join(_CHANNEL, _CHANNEL.c.id == _POST.c.channel_id)
        .where(*where)
        .order_by(_POST.c.id)
        .limit(limit + 1)
    )
    items: list[dict[str, Any]] = []
    for row in await conn.execute(stmt):
        *post, name, kind, asked_at = row
        fields = reads.post_fields(post)
        items.append(
            {
                "post": fields,
                "channel": {"id": fields["channel_id"], "name": name, "kind": kind},
                "asked_at": iso(asked_at),
            }
        )
    more = len(items) > limit
    items = items[:limit]
    await polls.attach(conn, user.id, [item["post"] for item in items])
    return QuestionsPage.model_validate(
        {"questions": items, "after": items[-1]["post"]["id"] if more and items else None}
    )


async def waiting(conn: AsyncConnection, user: User) -> Waiting:
    """How many unanswered questions ``user`` answers for (see ``Waiting``)."""
    mine = _Q.c.asker_id.in_(sa_select(_MENTOR.c.newcomer_id).where(_MENTOR.c.mentor_id == user.id))
    responsible: Any = (
        _Q.c.asker_id != user.id if user.can_moderate else and_(mine, _Q.c.anonymous.is_(False))
    )
    count = (
        await conn.execute(
            sa_select(func.count())
            .select_from(
                _Q.join(_POST, _POST.c.id == _Q.c.post_id).join(
                    _CHANNEL, _CHANNEL.c.id == _Q.c.channel_id
                )
            )
            .where(
                _Q.c.state == QuestionState.unanswered.value,
                _POST.c.deleted_at.is_(None),
                responsible,
                readable_by(user.id),
                not_(post_before_joining(user.id, _POST)),
            )
        )
    ).scalar_one()
    return Waiting(count=int(count))
