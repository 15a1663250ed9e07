"""Questions: the posts of a Q&A channel, and posts flagged as questions in a
direct conversation. channels owns what a question is (its row, its state,
who may mark its answer, how an anonymous asker is shown) because every read
of posts shows it; what reads across channels (the open questions page, the
waiting alerts, the figures) is questions/'s, a package above.

States: ``unanswered`` → ``answered`` (someone other than the asker
commented) → ``resolved`` (the asker, one of their mentors, or a moderator
marked one comment of it as the answer). Unmarking goes back to ``answered``
or ``unanswered``, from what is stored; so does deleting the accepted comment.
Every change appends ``question.updated`` to the channel's stream.

Anonymous questions: a newcomer may ask in a Q&A channel without their name.
The post keeps ``author_id`` (admins see it in a thread), and is written with
``Post.anonymous``: every read a member can make (pages, threads, events,
replay, search, home, notifications, mail) shows ``ANONYMOUS`` instead, the
asker's own comments under it too. Likes by the asker in that thread, and
files on anonymous posts, are refused: both would show their name (a like
event carries the liker, a file its uploader).
"""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from channels.models import (
    Channel,
    ChannelKind,
    PersonRef,
    Post,
    Question,
    QuestionInfo,
    QuestionState,
)
from core.errors import ForbiddenError, InvalidError
from org.models import User
from org.newcomers import is_newcomer, mentors_of

ANONYMOUS_ID = 0  # the id an anonymous asker has in everything members read


def anonymous_ref() -> PersonRef:
    return PersonRef(
        id=ANONYMOUS_ID, display_name="", department=None, reading="", newcomer=True, anonymous=True
    )


ANONYMOUS_FIELDS = anonymous_ref().model_dump()


def info_of(question: Question | None) -> QuestionInfo | None:
    if question is None:
        return None
    return QuestionInfo(
        state=QuestionState(question.state),
        answer_id=question.answer_id,
        anonymous=question.anonymous,
        direct=question.direct,
    )


def check_new(channel: Channel, actor: User, *, question: bool, anonymous: bool) -> bool:
    """Whether a new top-level post by ``actor`` in ``channel`` is a question,
    refusing what may not be asked: ``InvalidError`` for a question outside a
    Q&A channel or a direct conversation, or an anonymous one outside a Q&A
    channel; ``ForbiddenError`` for an anonymous one by someone not new."""
    if channel.qa:
        if anonymous and not is_newcomer(actor):
            raise ForbiddenError("only newcomers may ask anonymously")
        return True
    if anonymous:
        raise InvalidError("anonymous: only in a Q&A channel")
    if question and channel.kind != ChannelKind.direct.value:
        raise InvalidError("question: only in a Q&A channel or a direct conversation")
    return question


def new_question(post: Post, channel: Channel, *, anonymous: bool) -> Question:
    assert post.id is not None
    return Question(
        post_id=post.id,
        channel_id=post.channel_id,
        asker_id=post.author_id,
        anonymous=anonymous,
        direct=channel.kind == ChannelKind.direct.value,
        asked_at=post.created_at,
    )


async def of_post(db: AsyncSession, post_id: int, *, for_update: bool = False) -> Question | None:
    stmt = select(Question).where(Question.post_id == post_id)
    if for_update:
        stmt = stmt.with_for_update()
    return (await db.exec(stmt)).first()


async def may_resolve(db: AsyncSession, user: User, question: Question) -> bool:
    """The asker, a moderator (admins moderate), or one of the asker's mentors
    (not for an anonymous question: the right would tell the mentor whose it is)."""
    if user.id == question.asker_id or user.can_moderate:
        return True
    if question.anonymous or user.id is None:
        return False
    return user.id in await mentors_of(db, question.asker_id)


async def settled_state(db: AsyncSession, question: Question) -> QuestionState:
    """The state from what is stored: resolved with an answer, else answered
    while a live comment by someone other than the asker remains."""
    if question.answer_id is not None:
        return QuestionState.resolved
    others = (
        await db.exec(
            select(func.count())
            .select_from(Post)
            .where(
                Post.parent_id == question.post_id,
                col(Post.deleted_at).is_(None),
                Post.author_id != question.asker_id,
            )
        )
    ).one()
    return QuestionState.answered if others else QuestionState.unanswered
