"""Every change onboarding makes, ``do_<verb>_<noun>``, each in one unit of work
(streams/unit.py): mentors chosen, checklist items made and removed, items
ticked by hand, the newcomer settings."""

from __future__ import annotations

from sqlalchemy import delete
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bus.base import Bus
from channels.actions.common import current_people
from core.clock import today
from core.errors import ConflictError, ForbiddenError, InvalidError, NotFoundError
from onboarding import checklist
from onboarding.facts import ChecklistItemAdded, ChecklistItemRemoved, MentorsUpdated
from onboarding.models import (
    MAX_ITEMS,
    ChecklistItem,
    ChecklistItemCreate,
    ChecklistKind,
    ChecklistTick,
    MentorsSet,
    OnboardingSettingsUpdate,
)
from org import settings as company_settings
from org.models import Department, User
from org.newcomers import (
    SETTINGS_KEY,
    Mentorship,
    NewcomerSettings,
    apply_period,
    is_newcomer,
    load_settings,
    mentors_of,
    newcomer_now_or_soon,
)
from org.stream import PERSON
from streams.unit import Unit, run


class MentorError(InvalidError):
    """A mentor who cannot be one: ``details.reason`` is ``self`` (nobody
    mentors themself), ``newcomer`` (newcomers are mentored, they do not
    mentor yet), ``inactive`` or ``unknown``; ``details.mentor_id`` says who."""

    code = "mentor_invalid"


class NotANewcomerError(InvalidError):
    """Mentors are for people with a start date whose newcomer period has not ended."""

    code = "not_a_newcomer"


def _require_admin(actor: User) -> None:
    if not actor.is_admin:
        raise ForbiddenError("admins only")


async def do_set_mentors(
    db: AsyncSession, bus: Bus, actor: User, newcomer_id: int, data: MentorsSet
) -> list[int]:
    """An admin chooses a newcomer's mentors (all of them: the list replaces
    the one before). The newcomer and every mentor added or removed hear it
    (``mentors.updated``). Answers the mentors' ids, in order.

    Raises:
        ForbiddenError: the actor is not an admin.
        NotFoundError: no such person.
        NotANewcomerError: the person is not a newcomer (now or soon).
        MentorError: a mentor who cannot be one (themself, a newcomer,
            deactivated, no one).
    """
    _require_admin(actor)
    wanted = list(dict.fromkeys(data.mentor_ids))

    async def apply(unit: Unit) -> list[int]:
        newcomer = await unit.db.get(User, newcomer_id)
        if newcomer is None:
            raise NotFoundError("no such person")
        if not newcomer_now_or_soon(newcomer):
            raise NotANewcomerError(
                "only a newcomer (a start date within the newcomer period, or to come) gets mentors"
            )
        people = (
            {u.id: u for u in (await unit.db.exec(select(User).where(col(User.id).in_(wanted))))}
            if wanted
            else {}
        )
        for mentor_id in wanted:
            mentor = people.get(mentor_id)
            reason = None
            if mentor_id == newcomer_id:
                reason = "self"
            elif mentor is None:
                reason = "unknown"
            elif not mentor.is_active:
                reason = "inactive"
            elif is_newcomer(mentor) or newcomer_now_or_soon(mentor):
                reason = "newcomer"
            if reason is not None:
                raise MentorError(
                    {
                        "self": "nobody mentors themself",
                        "unknown": "no such person",
                        "inactive": "this person's account is deactivated",
                        "newcomer": "a newcomer cannot mentor yet",
                    }[reason],
                    {"mentor_id": mentor_id, "reason": reason},
                )
        before = await mentors_of(unit.db, newcomer_id)
        if before == wanted:
            return wanted
        gone = [m for m in before if m not in wanted]
        if gone:
            await unit.db.exec(
                delete(Mentorship).where(
                    col(Mentorship.newcomer_id) == newcomer_id,
                    col(Mentorship.mentor_id).in_(gone),
                )
            )
        # Re-made in the chosen order (created_at orders them).
        kept = [m for m in before if m in wanted]
        if kept != [m for m in wanted if m in before]:
            await unit.db.exec(
                delete(Mentorship).where(
                    col(Mentorship.newcomer_id) == newcomer_id,
                    col(Mentorship.mentor_id).in_(kept),
                )
            )
            kept = []
        for mentor_id in wanted:
            if mentor_id not in kept:
                unit.db.add(
                    Mentorship(newcomer_id=newcomer_id, mentor_id=mentor_id, created_by=actor.id)
                )
                await unit.db.flush()  # one at a time: created_at keeps the order
        refs = await current_people(unit.db, [newcomer_id, *wanted], active_only=False)
        fact = MentorsUpdated(
            newcomer=refs[newcomer_id][1],
            mentors=[refs[m][1] for m in wanted],
            checklist=await checklist.checklist_of(unit.db, newcomer),
        )
        for person in dict.fromkeys([newcomer_id, *before, *wanted]):
            await unit.append(PERSON, person, fact)
        return wanted

    return await run(db, bus, apply, actor_id=actor.id)


async def do_set_tick(
    db: AsyncSession, bus: Bus, actor: User, item_id: int, data: bool
) -> ChecklistTick | None:
    """A newcomer ticks (or unticks) a ``manual`` item of their own checklist.

    Raises:
        NotFoundError: no such item on their checklist.
        InvalidError: the item is ticked by the system, not by hand.
    """

    async def apply(unit: Unit) -> ChecklistTick | None:
        me = await unit.db.get(User, actor.id)
        assert me is not None and me.id is not None
        item = await unit.db.get(ChecklistItem, item_id)
        if item is None or item.department_id not in (None, me.department_id):
            raise NotFoundError("no such checklist item")
        if item.kind != ChecklistKind.manual.value:
            raise InvalidError("this item ticks itself when you do what it asks")
        tick = await unit.db.get(ChecklistTick, (me.id, item_id))
        if (tick is not None) == data:
            return tick
        if data:
            tick = ChecklistTick(user_id=me.id, item_id=item_id)
            unit.db.add(tick)
        else:
            assert tick is not None
            await unit.db.delete(tick)
            tick = None
        await unit.db.flush()
        await checklist.tell(unit, me, await checklist.checklist_of(unit.db, me))
        return tick

    return await run(db, bus, apply, actor_id=actor.id)


async def _newcomers_in(db: AsyncSession, department_id: int | None) -> list[User]:
    stmt = select(User).where(
        col(User.is_active), col(User.start_date).is_not(None), col(User.newcomer_until) > today()
    )
    if department_id is not None:
        stmt = stmt.where(User.department_id == department_id)
    return list((await db.exec(stmt.order_by(col(User.id)))).all())


async def do_create_item(
    db: AsyncSession, bus: Bus, actor: User, data: ChecklistItemCreate
) -> ChecklistItem:
    """An admin adds an item to a department's checklist (or everyone's). The
    newcomers it concerns see it at once, already ticked if they did it."""
    _require_admin(actor)

    async def apply(unit: Unit) -> ChecklistItem:
        if (
            data.department_id is not None
            and await unit.db.get(Department, data.department_id) is None
        ):
            raise NotFoundError("no such department")
        same = await unit.db.exec(
            select(ChecklistItem.id).where(ChecklistItem.department_id == data.department_id)
        )
        if len(same.all()) >= MAX_ITEMS:
            raise ConflictError(f"a checklist has at most {MAX_ITEMS} items")
        item = ChecklistItem(
            department_id=data.department_id,
            kind=data.kind.value,
            title=data.title,
            count=data.count if data.kind is ChecklistKind.join_groups else 1,
            created_by=actor.id,
        )
        unit.db.add(item)
        await unit.db.flush()
        assert item.id is not None
        unit.note(
            ChecklistItemAdded(
                item_id=item.id,
                department_id=item.department_id,
                title=item.title,
                item_kind=item.kind,
            )
        )
        for person in await _newcomers_in(unit.db, data.department_id):
            await checklist.refresh(unit, person, always=True)
        return item

    return await run(db, bus, apply, actor_id=actor.id)


async def do_delete_item(db: AsyncSession, bus: Bus, actor: User, item_id: int) -> None:
    """An admin removes an item (and everyone's tick of it)."""
    _require_admin(actor)

    async def apply(unit: Unit) -> None:
        item = await unit.db.get(ChecklistItem, item_id)
        if item is None:
            raise NotFoundError("no such checklist item")
        department_id = item.department_id
        unit.note(
            ChecklistItemRemoved(item_id=item_id, department_id=department_id, title=item.title)
        )
        await unit.db.exec(delete(ChecklistTick).where(col(ChecklistTick.item_id) == item_id))
        await unit.db.delete(item)
        await unit.db.flush()
        for person in await _newcomers_in(unit.db, department_id):
            await checklist.refresh(unit, person, always=True)

    await run(db, bus, apply, actor_id=actor.id)


async def do_update_settings(
    db: AsyncSession, bus: Bus, actor: User, data: OnboardingSettingsUpdate
) -> NewcomerSettings:
    """An admin changes the newcomer period (every start date's end follows at
    once) or the welcome post's template."""
    _require_admin(actor)

    async def apply(unit: Unit) -> NewcomerSettings:
        now = await load_settings(unit.db)
        changed = now.model_copy(
            update={k: v for k, v in data.model_dump().items() if v is not None}
        )
        await company_settings.save(unit, SETTINGS_KEY, changed, actor.id)
        if changed.newcomer_days != now.newcomer_days:
            await apply_period(unit.db, changed.newcomer_days)
        return changed

    return await run(db, bus, apply, actor_id=actor.id)
