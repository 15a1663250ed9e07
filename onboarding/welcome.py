"""The welcome post: when a newcomer starts, their department's channel gets a
post introducing them, from the admins' template (org/newcomers.py), so that
the department greets them.

When: at their first sign-in on or after their start date (by then an admin
has usually chosen their mentors, whom the post names), or, for someone who
has not signed in by the day after their start date (or who signed in before
it), at the next round of every node's sweep (server/welcomer.py). Only while
they are a newcomer: people imported with a start date long past are not
welcomed, and upgrading marks everyone already there as welcomed.

Exactly once, however many nodes try at once: the post is written in the
same transaction as the conditional update that claims the person
(``welcomed_at`` from null to now); a second claimant's update matches no
row and writes nothing.

Whose post: the first active administrator's (the oldest admin account), as
the company's voice; a department channel is closed to outsiders, admins
included, so the post is written without the channel's posting rule
(channels.actions.posts.post_as). Its text mentions the newcomer and their
mentors, so they are notified (when they may read the channel).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import or_, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bus.base import Bus
from channels import mentions
from channels.actions.posts import post_as
from channels.models import Channel
from core.clock import today, utcnow
from org.models import Department, Role, User
from org.newcomers import load_settings, mentors_of, render_template
from streams.unit import Unit, run

SWEEP_BATCH = 50  # people one sweep welcomes at most per transaction


async def _claim(unit: Unit, user_id: int, day: date, now: datetime) -> bool:
    result = await unit.db.exec(
        update(User)
        .where(
            col(User.id) == user_id,
            col(User.welcomed_at).is_(None),
            col(User.is_active),
            col(User.start_date) <= day,
            col(User.newcomer_until) > day,
        )
        .values(welcomed_at=now)
    )
    return bool(result.rowcount == 1)


async def welcome_text(db: AsyncSession, user: User, template: str) -> str:
    assert user.id is not None
    department = await db.get(Department, user.department_id) if user.department_id else None
    ids = await mentors_of(db, user.id)
    people = {u.id: u for u in (await db.exec(select(User).where(col(User.id).in_(ids)))).all()}
    named = [mentions.write(people[i].display_name, i) for i in ids if i in people]
    return render_template(
        template,
        {
            "name": mentions.write(user.display_name, user.id),
            "department": department.name if department else "",
            "mentors": "、".join(named) if named else "—",
            "start_date": user.start_date.isoformat() if user.start_date else "",
        },
    )


async def welcome(unit: Unit, user_id: int, day: date | None = None) -> bool:
    """Claim ``user_id``'s welcome and post it, in the caller's unit, if it is
    due and nobody has: answers whether this call did."""
    day = day or today()
    if not await _claim(unit, user_id, day, utcnow()):
        return False
    user = await unit.db.get(User, user_id)
    assert user is not None
    await unit.db.refresh(user)
    channel = (
        (
            await unit.db.exec(select(Channel).where(Channel.department_id == user.department_id))
        ).first()
        if user.department_id is not None
        else None
    )
    author = (
        await unit.db.exec(
            select(User)
            .where(User.role == Role.admin.value, col(User.is_active))
            .order_by(col(User.id))
            .limit(1)
        )
    ).first()
    if channel is None or channel.archived_at is not None or author is None:
        return True  # nowhere to post, or nobody to post as: claimed all the same
    template = (await load_settings(unit.db)).welcome_template
    await post_as(unit, author, channel, await welcome_text(unit.db, user, template))
    return True


async def do_sign_in_welcome(db: AsyncSession, bus: Bus, user: User) -> bool:
    """What follows a sign-in: the first one is noted, and the welcome is
    posted if it is due. Answers whether the browser should open the welcome
    page (this was the first sign-in of a newcomer, or of one who starts soon)."""

    async def apply(unit: Unit) -> bool:
        assert user.id is not None
        first = await unit.db.exec(
            update(User)
            .where(col(User.id) == user.id, col(User.first_signed_in_at).is_(None))
            .values(first_signed_in_at=utcnow())
        )
        await welcome(unit, user.id)
        fresh = await unit.db.get(User, user.id)
        assert fresh is not None
        await unit.db.refresh(fresh)
        return bool(first.rowcount == 1) and (
            fresh.newcomer_until is not None and today() < fresh.newcomer_until
        )

    return await run(db, bus, apply, actor_id=user.id)


async def do_welcome_due(db: AsyncSession, bus: Bus, day: date | None = None) -> int:
    """The sweep: welcome everyone due who has not been, in batches (each its
    own transaction). Due: a newcomer whose start date has passed, or who
    started today and signed in before. Answers how many were welcomed here."""
    day = day or today()
    done = 0
    while True:

        async def batch(unit: Unit) -> tuple[int, int]:
            due = list(
                (
                    await unit.db.exec(
                        select(User.id)
                        .where(
                            col(User.welcomed_at).is_(None),
                            col(User.is_active),
                            col(User.start_date) <= day,
                            col(User.newcomer_until) > day,
                            or_(
                                col(User.start_date) < day,
                                col(User.first_signed_in_at).is_not(None),
                            ),
                        )
                        .order_by(col(User.id))
                        .limit(SWEEP_BATCH)
                    )
                ).all()
            )
            made = 0
            for user_id in due:
                if user_id is not None and await welcome(unit, user_id, day):
                    made += 1
            return len(due), made

        found, made = await run(db, bus, batch)
        done += made
        if found < SWEEP_BATCH:
            return done
