"""What onboarding shows: one's welcome page, a mentor's "My newcomers", a
newcomer's mentors (for those who may see the pairing)."""

from __future__ import annotations

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from channels.actions.common import current_people
from channels.models import Channel, PersonRef
from core.errors import NotFoundError
from onboarding.checklist import checklist_of
from onboarding.models import NewcomerPublic, WelcomePublic
from org.models import Department, User
from org.newcomers import is_newcomer, may_see_pairing, mentors_of, newcomers_of


async def mentor_refs(db: AsyncSession, user_id: int) -> list[PersonRef]:
    ids = await mentors_of(db, user_id)
    people = await current_people(db, ids, active_only=False)
    return [people[i][1] for i in ids if i in people]


async def welcome_page(db: AsyncSession, me: User) -> WelcomePublic:
    user = await db.get(User, me.id)
    if user is None or user.id is None:
        raise NotFoundError("no such person")
    department = await db.get(Department, user.department_id) if user.department_id else None
    channel = (
        (
            await db.exec(select(Channel.id).where(Channel.department_id == user.department_id))
        ).first()
        if user.department_id
        else None
    )
    return WelcomePublic(
        newcomer=is_newcomer(user),
        start_date=user.start_date,
        newcomer_until=user.newcomer_until,
        department=department.name if department else None,
        department_channel_id=channel,
        mentors=await mentor_refs(db, user.id),
        checklist=await checklist_of(db, user),
    )


async def my_newcomers(db: AsyncSession, me: User) -> list[NewcomerPublic]:
    assert me.id is not None
    ids = await newcomers_of(db, me.id)
    people = await current_people(db, ids, active_only=False)
    found = []
    for i in ids:
        if i not in people:
            continue
        user, ref = people[i]
        found.append(
            NewcomerPublic(
                person=ref, start_date=user.start_date, checklist=await checklist_of(db, user)
            )
        )
    return found


async def mentors_for(db: AsyncSession, viewer: User, newcomer_id: int) -> list[PersonRef]:
    """A newcomer's mentors, for the newcomer, their mentors and admins; "not
    found" for everyone else, as for someone who does not exist."""
    user = await db.get(User, newcomer_id)
    if user is None or not await may_see_pairing(db, viewer, newcomer_id):
        raise NotFoundError("no such person")
    if not user.is_active and not viewer.is_admin:
        raise NotFoundError("no such person")
    return await mentor_refs(db, newcomer_id)
