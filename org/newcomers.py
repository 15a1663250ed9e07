"""Newcomers and their mentors: who is new (a start date within the company's
newcomer period), who mentors whom, and the company's newcomer settings.

This is the small domain API later features stand on (questions from
newcomers, alerts to their mentors):

- ``is_newcomer(user, on=None)``: from the account row alone;
- ``mentors_of(db, user_id) -> list[int]``: their mentors, in the order chosen;
- ``newcomers_of(db, mentor_id) -> list[int]``: whom one mentors;
- ``load_settings(db)``: the period and the welcome post's template.

It owns no channel data: the checklist, the mentor suggestions and the welcome
post, which read channels, are onboarding/'s. Who may see a pairing (the
newcomer, their mentors, admins) is ``may_see_pairing``.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import update
from sqlmodel import Field as SField
from sqlmodel import SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from core.clock import today, utcnow
from org import settings
from org.models import User

SETTINGS_KEY = "newcomers"
DEFAULT_DAYS = 90
MAX_DAYS = 730
MAX_TEMPLATE = 2000
MAX_MENTORS = 5  # mentors one newcomer may have

# The welcome post's default: Japanese, then English (an admin may keep either
# half, or write their own). Placeholders: {name}, {department}, {mentors},
# {start_date}.
DEFAULT_TEMPLATE = (
    "🎉 {department}に新しい仲間が加わりました:{name}さんです({start_date}入社)。\n"
    "メンターは{mentors}です。ぜひ声をかけて歓迎してください!\n\n"
    "🎉 Please welcome {name}, who joins {department} (starting {start_date}). "
    "Their mentors: {mentors}. Say hello!"
)
PLACEHOLDERS = ("name", "department", "mentors", "start_date")


class NewcomerSettings(BaseModel):
    """Company settings for newcomers (admins change them)."""

    # How long after their start date a person counts as a newcomer.
    newcomer_days: int = Field(default=DEFAULT_DAYS, ge=1, le=MAX_DAYS)
    # The welcome post in the department channel, with placeholders.
    welcome_template: str = Field(default=DEFAULT_TEMPLATE, min_length=1, max_length=MAX_TEMPLATE)


class Mentorship(SQLModel, table=True):
    """One mentor of one newcomer, chosen by an admin."""

    __tablename__ = "mentorship"
    newcomer_id: int = SField(foreign_key="account.id", primary_key=True)
    mentor_id: int = SField(foreign_key="account.id", primary_key=True, index=True)
    created_at: datetime = SField(default_factory=utcnow)
    created_by: int | None = SField(default=None, foreign_key="account.id")


async def load_settings(db: AsyncSession) -> NewcomerSettings:
    return await settings.load(db, SETTINGS_KEY, NewcomerSettings)


def until(start: date | None, days: int) -> date | None:
    """The first day someone who started on ``start`` is no longer new."""
    return None if start is None else start + timedelta(days=days)


def newcomer_between(start: date | None, end: date | None, on: date | None = None) -> bool:
    """Whether a start date and its ``newcomer_until`` make a newcomer ``on`` a day."""
    if start is None or end is None:
        return False
    day = on or today()
    return start <= day < end


def is_newcomer(user: User, on: date | None = None) -> bool:
    """Whether ``user`` is a newcomer on ``on`` (today): their start date has come
    and the company's newcomer period since has not passed. Deactivated people
    are no one's newcomers."""
    return user.is_active and newcomer_between(user.start_date, user.newcomer_until, on)


def newcomer_now_or_soon(user: User, on: date | None = None) -> bool:
    """A newcomer now, or one whose start date is still to come."""
    day = on or today()
    return user.is_active and user.newcomer_until is not None and day < user.newcomer_until


def set_start(user: User, start: date | None, days: int) -> None:
    user.start_date = start
    user.newcomer_until = until(start, days)


async def apply_period(db: AsyncSession, days: int) -> None:
    """Every start date's ``newcomer_until`` under a new period (one statement
    per distinct start date: a company has few)."""
    starts = (
        await db.exec(
            select(col(User.start_date)).where(col(User.start_date).is_not(None)).distinct()
        )
    ).all()
    for start in starts:
        await db.exec(
            update(User)
            .where(col(User.start_date) == start)
            .values(newcomer_until=until(start, days))
        )


async def mentors_of(db: AsyncSession, user_id: int) -> list[int]:
    """The mentors of ``user_id``, in the order an admin chose them."""
    rows = await db.exec(
        select(Mentorship.mentor_id)
        .where(Mentorship.newcomer_id == user_id)
        .order_by(col(Mentorship.created_at), col(Mentorship.mentor_id))
    )
    return list(rows.all())


async def newcomers_of(db: AsyncSession, mentor_id: int) -> list[int]:
    """The people ``mentor_id`` mentors (newest start date first)."""
    rows = await db.exec(
        select(Mentorship.newcomer_id)
        .join(User, col(User.id) == col(Mentorship.newcomer_id))
        .where(Mentorship.mentor_id == mentor_id)
        .order_by(col(User.start_date).desc(), col(User.id))
    )
    return list(rows.all())


async def may_see_pairing(db: AsyncSession, viewer: User, newcomer_id: int) -> bool:
    """The newcomer, their mentors and admins see who mentors whom; nobody else
    (moderators neither)."""
    if viewer.is_admin or viewer.id == newcomer_id:
        return True
    assert viewer.id is not None
    return viewer.id in await mentors_of(db, newcomer_id)


def render_template(template: str, values: dict[str, Any]) -> str:
    """The template with its placeholders filled; braces that name no
    placeholder stay as written (an admin's template never fails to post)."""
    out = template
    for name in PLACEHOLDERS:
        out = out.replace("{" + name + "}", str(values.get(name, "")))
    return out
