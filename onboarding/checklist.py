"""Newcomers' checklists: which items are a person's (their department's and
everyone's), which they have done, and ticking what the system can see.

Ticks are rows (``checklist_tick``), the truth a page reads. The system ticks
an item when what it asks for becomes true, in the unit of the write that
made it true (onboarding/duties.py): joining a group, posting in one's
department channel, mentioning a mentor. It checks what is stored
(``evaluate``), so an item an admin adds later is ticked at once for those
who already did it. A tick stays when what made it is undone (leaving a
group after joining it): an item is done once. Every change is told to the
newcomer and their mentors (``checklist.updated``).

``tick_kind`` is the hook for later features. ``ask_question`` ticks when a
newcomer asks a question (a post in a Q&A channel, anonymous or not, or one
flagged as a question in a direct conversation) and, as before questions
existed, when a post or comment of theirs mentions a mentor
(onboarding/duties.py).
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import func, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from channels.models import Channel, ChannelKind, Membership, Post
from onboarding.facts import ChecklistUpdated
from onboarding.models import (
    Checklist,
    ChecklistEntry,
    ChecklistItem,
    ChecklistKind,
    ChecklistTick,
)
from org.models import User
from org.newcomers import mentors_of
from org.stream import PERSON
from streams.unit import Unit

AUTOMATIC = (ChecklistKind.join_groups, ChecklistKind.introduce)


async def items_for(db: AsyncSession, department_id: int | None) -> list[ChecklistItem]:
    """A department's items and everyone's, everyone's first, in the order made."""
    scope: Any = col(ChecklistItem.department_id).is_(None)
    if department_id is not None:
        scope = or_(scope, col(ChecklistItem.department_id) == department_id)
    rows = await db.exec(
        select(ChecklistItem)
        .where(scope)
        .order_by(col(ChecklistItem.department_id).is_not(None), col(ChecklistItem.id))
    )
    return list(rows.all())


async def _ticked(db: AsyncSession, user_id: int) -> set[int]:
    rows = await db.exec(select(ChecklistTick.item_id).where(ChecklistTick.user_id == user_id))
    return set(rows.all())


def _checklist(items: list[ChecklistItem], ticked: set[int]) -> Checklist:
    entries = [
        ChecklistEntry(
            id=i.id or 0,
            kind=ChecklistKind(i.kind),
            title=i.title,
            count=i.count,
            done=i.id in ticked,
        )
        for i in items
    ]
    return Checklist(items=entries, done=sum(e.done for e in entries), total=len(entries))


async def checklist_of(db: AsyncSession, user: User) -> Checklist:
    """``user``'s checklist as it is now."""
    assert user.id is not None
    return _checklist(await items_for(db, user.department_id), await _ticked(db, user.id))


async def _groups_joined(db: AsyncSession, user_id: int) -> int:
    return int(
        (
            await db.exec(
                select(func.count())
                .select_from(Membership)
                .join(Channel, col(Channel.id) == col(Membership.channel_id))
                .where(
                    Membership.user_id == user_id,
                    Channel.kind == ChannelKind.group.value,
                    col(Channel.archived_at).is_(None),
                )
            )
        ).one()
    )


async def _introduced(db: AsyncSession, user: User) -> bool:
    if user.department_id is None:
        return False
    found = await db.exec(
        select(Post.id)
        .join(Channel, col(Channel.id) == col(Post.channel_id))
        .where(
            Channel.department_id == user.department_id,
            Post.author_id == user.id,
            col(Post.parent_id).is_(None),
            col(Post.deleted_at).is_(None),
        )
        .limit(1)
    )
    return found.first() is not None


async def evaluate(db: AsyncSession, user: User, items: list[ChecklistItem]) -> set[int]:
    """The automatic items among ``items`` that what is stored says ``user`` has done."""
    assert user.id is not None
    done: set[int] = set()
    groups: int | None = None
    introduced: bool | None = None
    for item in items:
        if item.kind == ChecklistKind.join_groups.value:
            if groups is None:
                groups = await _groups_joined(db, user.id)
            if groups >= item.count:
                done.add(item.id or 0)
        elif item.kind == ChecklistKind.introduce.value:
            if introduced is None:
                introduced = await _introduced(db, user)
            if introduced:
                done.add(item.id or 0)
    return done


async def tell(unit: Unit, user: User, checklist: Checklist) -> None:
    """``checklist.updated`` to the newcomer and each of their mentors."""
    assert user.id is not None
    fact = ChecklistUpdated(newcomer_id=user.id, checklist=checklist)
    for person in [user.id, *await mentors_of(unit.db, user.id)]:
        await unit.append(PERSON, person, fact)


async def refresh(
    unit: Unit, user: User, also: Collection[ChecklistKind] = (), *, always: bool = False
) -> bool:
    """Tick what ``user`` has done and has not been ticked for (the automatic
    kinds, and every item of the kinds in ``also``, which the caller saw done);
    tell them and their mentors when anything was ticked (or ``always``).
    Answers whether anything was."""
    assert user.id is not None
    items = await items_for(unit.db, user.department_id)
    ticked = await _ticked(unit.db, user.id)
    open_items = [i for i in items if i.id not in ticked]
    new = await evaluate(unit.db, user, open_items)
    new |= {i.id or 0 for i in open_items if i.kind in {k.value for k in also}}
    if new:
        unit.db.add_all([ChecklistTick(user_id=user.id, item_id=i) for i in sorted(new)])
        await unit.db.flush()
    if new or always:
        await tell(unit, user, _checklist(items, ticked | new))
    return bool(new)


async def tick_kind(unit: Unit, user: User, kind: ChecklistKind) -> bool:
    """Tick every item of ``kind`` on ``user``'s checklist (and whatever else
    they have done): what a feature that sees the deed calls."""
    return await refresh(unit, user, (kind,))
