"""Marking a question's answer, and taking the mark back (channels/questions.py
says what a question is and who may do this).

- ``do_mark_answer``: the asker, one of the asker's mentors (not for an
  anonymous question) or a moderator marks one comment of the question as
  its answer: ``resolved``. Marking the comment already marked changes
  nothing (idempotent, answers the channel's position); marking another
  while one is marked is 409 ``conflict`` (unmark first), so two people
  resolving at the same moment cannot silently overwrite each other.
- ``do_unmark_answer``: the same people; back to ``answered`` or
  ``unanswered``. On a question with no answer marked it changes nothing.

Errors, each changing nothing: a post that is not a question, or an answer
that is not a live comment of that question: 400 ``invalid``; someone else:
403 ``forbidden``; a post one may not see: 404.
"""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from bus.base import Bus
from channels import questions
from channels.access import access_post
from channels.actions.common import current_person, receipt, write
from channels.facts import CHANNEL, QuestionUpdated
from channels.models import Channel, Post, Question, QuestionState, Receipt
from core.clock import utcnow
from core.errors import ConflictError, ForbiddenError, InvalidError
from org.models import User
from streams.unit import Unit


def _position(channel: Channel) -> Receipt:
    assert channel.id is not None
    return Receipt(channel_id=channel.id, epoch=channel.epoch, seq=channel.last_seq)


async def _question(unit: Unit, me: User, post_id: int) -> tuple[Question, Channel]:
    post, access = await access_post(unit.db, me, post_id)
    question = (
        await questions.of_post(unit.db, post_id, for_update=True)
        if post.parent_id is None
        else None
    )
    if question is None:
        # Its author (or a moderator) learns it is no question; anyone else
        # may not do this here, whatever the post is.
        if post.author_id != me.id and not me.can_moderate:
            raise ForbiddenError("only a question's asker, mentors or moderators mark its answer")
        raise InvalidError("post: not a question")
    if access.viewer.is_archived:
        raise ForbiddenError("this channel is archived: it can be read, not changed")
    if not await questions.may_resolve(unit.db, me, question):
        raise ForbiddenError(
            "only the asker, their mentors or a moderator may mark the answer of a question"
        )
    return question, access.channel


async def _updated(unit: Unit, question: Question) -> Receipt:
    info = questions.info_of(question)
    assert info is not None
    unit.db.add(question)
    fact = QuestionUpdated(post_id=question.post_id, question=info)
    return receipt(await unit.append(CHANNEL, question.channel_id, fact))


async def do_mark_answer(
    db: AsyncSession,
    bus: Bus,
    actor: User,
    post_id: int,
    answer_id: int,
    client_id: str | None = None,
) -> Receipt:
    async def apply(unit: Unit) -> Receipt:
        me, _ = await current_person(unit.db, actor)
        question, channel = await _question(unit, me, post_id)
        answer = await unit.db.get(Post, answer_id)
        if answer is None or answer.parent_id != post_id or answer.deleted_at is not None:
            raise InvalidError("answer_id: not a comment of this question")
        if question.answer_id == answer_id:
            return _position(channel)  # resolved with it already: nothing changes
        if question.answer_id is not None:
            raise ConflictError("this question is already resolved: unmark its answer first")
        question.answer_id = answer_id
        question.state = QuestionState.resolved.value
        question.resolved_at = utcnow()
        return await _updated(unit, question)

    return await write(db, bus, actor, client_id, apply)


async def do_unmark_answer(
    db: AsyncSession, bus: Bus, actor: User, post_id: int, client_id: str | None = None
) -> Receipt:
    async def apply(unit: Unit) -> Receipt:
        me, _ = await current_person(unit.db, actor)
        question, channel = await _question(unit, me, post_id)
        if question.answer_id is None:
            return _position(channel)
        question.answer_id = None
        question.resolved_at = None
        question.state = (await questions.settled_state(unit.db, question)).value
        return await _updated(unit, question)

    return await write(db, bus, actor, client_id, apply)
