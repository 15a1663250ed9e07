"""Nobody left waiting: questions still unanswered after the company's delay
(questions/settings.py, in working hours) are told to the asker's mentors
(``question_waiting``), and after the second delay to the channel's
moderators and admins.

- A direct question (asked to a mentor in a direct conversation) has the
  first step only: its conversation has no moderators.
- An anonymous question skips the mentors' step (telling the asker's mentors
  would tell them whose it is) and goes to moderators at the first delay.
- A question answered (someone else commented) or resolved before its delay
  tells nobody; the job only looks at ``unanswered`` ones.

Exactly once across nodes: each step is claimed with one conditional
``UPDATE … SET mentors_alerted_at = now WHERE … IS NULL AND state =
'unanswered' RETURNING``, in the unit that stores the notifications: a node
running at the same moment waits for the row (PostgreSQL) or for the single
writer (SQLite), then finds it claimed and takes nothing. The clock is a
parameter (``now``): tests move it instead of sleeping.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, update
from sqlalchemy import select as sa_select
from sqlmodel.ext.asyncio.session import AsyncSession

from bus.base import Bus
from channels.access import readable_by
from channels.models import Channel, Post, Question, QuestionState
from channels.questions import ANONYMOUS_ID
from core.tables import table_of
from notify.deliver import Note, deliver, excerpt
from notify.models import ActorRef, NotificationKind
from org.models import Role, User
from org.newcomers import Mentorship
from questions.hours import due
from questions.settings import QuestionSettings, load
from streams.unit import Unit, run

BATCH = 500  # open questions one run looks at, oldest first

_Q, _POST, _CHANNEL, _USER = table_of(Question), table_of(Post), table_of(Channel), table_of(User)
_MENTOR = table_of(Mentorship)


def _steps(row: Any, s: QuestionSettings, now: datetime) -> tuple[bool, bool]:
    """Whether the mentors' step and the moderators' step are due for a row."""
    first = due(row.asked_at, s.first_delay_hours, s)
    second = due(row.asked_at, s.second_delay_hours, s)
    mentors = not row.anonymous and row.mentors_alerted_at is None and now >= first
    moderators_at = first if row.anonymous else second
    moderators = not row.direct and row.moderators_alerted_at is None and now >= moderators_at
    return mentors, moderators


async def _claim(unit: Unit, column: Any, ids: Sequence[int], now: datetime) -> list[int]:
    if not ids:
        return []
    conn = await unit.db.connection()
    rows = await conn.execute(
        update(_Q)
        .where(
            _Q.c.post_id.in_(sorted(ids)),
            column.is_(None),
            _Q.c.state == QuestionState.unanswered.value,
        )
        .values({column.key: now})
        .returning(_Q.c.post_id)
    )
    return sorted(r[0] for r in rows)


async def _alert(unit: Unit, now: datetime) -> int:
    s = await load(unit.db)
    conn = await unit.db.connection()
    rows = list(
        await conn.execute(
            sa_select(
                _Q.c.post_id,
                _Q.c.channel_id,
                _Q.c.asker_id,
                _Q.c.anonymous,
                _Q.c.direct,
                _Q.c.asked_at,
                _Q.c.mentors_alerted_at,
                _Q.c.moderators_alerted_at,
            )
            .where(
                _Q.c.state == QuestionState.unanswered.value,
                or_(
                    and_(_Q.c.anonymous.is_(False), _Q.c.mentors_alerted_at.is_(None)),
                    and_(_Q.c.direct.is_(False), _Q.c.moderators_alerted_at.is_(None)),
                ),
            )
            .order_by(_Q.c.asked_at, _Q.c.post_id)
            .limit(BATCH)
        )
    )
    to_mentors, to_moderators = [], []
    for row in rows:
        mentors, moderators = _steps(row, s, now)
        if mentors:
            to_mentors.append(row.post_id)
        if moderators:
            to_moderators.append(row.post_id)
    claimed_mentors = await _claim(unit, _Q.c.mentors_alerted_at, to_mentors, now)
    claimed_moderators = await _claim(unit, _Q.c.moderators_alerted_at, to_moderators, now)
    if not claimed_mentors and not claimed_moderators:
        return 0
    by_id = {row.post_id: row for row in rows}
    wanted = sorted(set(claimed_mentors) | set(claimed_moderators))
    posts = {
        r.id: r
        for r in await conn.execute(
            sa_select(
                _POST.c.id, _POST.c.html, _POST.c.deleted_at, _CHANNEL.c.name, _USER.c.display_name
            )
            .select_from(
                _POST.join(_CHANNEL, _CHANNEL.c.id == _POST.c.channel_id).join(
                    _USER, _USER.c.id == _POST.c.author_id
                )
            )
            .where(_POST.c.id.in_(wanted))
        )
    }
    notes: list[Note] = []

    def note(user_id: int, post_id: int) -> Note:
        row, post = by_id[post_id], posts[post_id]
        actor = (
            ActorRef(id=ANONYMOUS_ID, display_name="")
            if row.anonymous
            else ActorRef(id=row.asker_id, display_name=post.display_name)
        )
        return Note(
            user_id=user_id,
            kind=NotificationKind.question_waiting,
            actor=actor,
            channel_id=row.channel_id,
            channel_name=post.name,
            post_id=post_id,
            excerpt=excerpt(post.html),
        )

    for post_id in claimed_mentors:
        if posts[post_id].deleted_at is not None:
            continue
        row = by_id[post_id]
        for user_id in await _readers(conn, row.channel_id, _mentors_of(row.asker_id)):
            notes.append(note(user_id, post_id))
    for post_id in claimed_moderators:
        if posts[post_id].deleted_at is not None:
            continue
        row = by_id[post_id]
        for user_id in await _readers(conn, row.channel_id, _moderators()):
            if user_id != row.asker_id:
                notes.append(note(user_id, post_id))
    await deliver(unit, notes)
    return len(notes)


def _mentors_of(asker_id: int) -> Any:
    return _USER.c.id.in_(sa_select(_MENTOR.c.mentor_id).where(_MENTOR.c.newcomer_id == asker_id))


def _moderators() -> Any:
    return _USER.c.role.in_([Role.admin.value, Role.moderator.value])


async def _readers(conn: Any, channel_id: int, who: Any) -> list[int]:
    """The active people ``who`` selects who may read the channel now."""
    rows = await conn.execute(
        sa_select(_USER.c.id)
        .select_from(_USER.join(_CHANNEL, _CHANNEL.c.id == channel_id))
        .where(who, _USER.c.is_active.is_(True), readable_by(_USER.c.id))
        .order_by(_USER.c.id)
    )
    return [r[0] for r in rows]


async def do_alert_waiting(db: AsyncSession, bus: Bus, now: datetime) -> int:
    """One run: claim the steps due at ``now`` and notify. Answers how many
    notifications were made."""

    async def apply(unit: Unit) -> int:
        return await _alert(unit, now)

    return await run(db, bus, apply)
