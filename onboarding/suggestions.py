"""Whom to suggest as a newcomer's mentor, best first.

Meeting people beyond one's own department is the point, so people of other
departments come first (people in no department count as of no other one);
then those who share the most interest groups with the newcomer (something
to talk about); then those mentoring fewer newcomers now (nobody should carry
them all). Only active people who are not newcomers
themselves (nor about to be), and never the newcomer, are suggested; those
already chosen are left out.

The score is ``100 × other department + 10 × shared groups − 5 × mentoring``
(shared groups count at most 9, so a department never loses to groups), and
ties go by reading order. Each suggestion carries its parts, for the picker
to say why ("other department · 2 shared groups · mentoring 1").
"""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from channels.models import Channel, ChannelKind, Membership, PersonRef
from core.clock import today
from onboarding.models import MentorSuggestion
from org.models import Department, User
from org.newcomers import Mentorship, mentors_of

LIMIT = 20
OTHER_DEPARTMENT, PER_GROUP, PER_NEWCOMER = 100, 10, 5
MAX_GROUPS_COUNTED = 9


async def suggest_mentors(
    db: AsyncSession, newcomer: User, limit: int = LIMIT
) -> list[MentorSuggestion]:
    assert newcomer.id is not None
    day = today()
    chosen = set(await mentors_of(db, newcomer.id))
    rows = (
        await db.exec(
            select(User, Department.name)
            .outerjoin(Department, col(Department.id) == col(User.department_id))
            .where(col(User.is_active), User.id != newcomer.id)
        )
    ).all()
    candidates = [
        (u, d)
        for u, d in rows
        if u.id not in chosen and (u.newcomer_until is None or u.newcomer_until <= day)
    ]
    mine = (
        select(Membership.channel_id)
        .join(Channel, col(Channel.id) == col(Membership.channel_id))
        .where(
            Membership.user_id == newcomer.id,
            Channel.kind == ChannelKind.group.value,
            col(Channel.archived_at).is_(None),
        )
    )
    shared = dict(
        (
            await db.exec(
                select(Membership.user_id, func.count())
                .where(col(Membership.channel_id).in_(mine))
                .group_by(col(Membership.user_id))
            )
        ).all()
    )
    load = dict(
        (
            await db.exec(
                select(Mentorship.mentor_id, func.count())
                .join(User, col(User.id) == col(Mentorship.newcomer_id))
                .where(col(User.is_active), col(User.newcomer_until) > day)
                .group_by(col(Mentorship.mentor_id))
            )
        ).all()
    )
    found = []
    for user, department in candidates:
        assert user.id is not None
        # People in no department (an admin account, say) are from no other one.
        other = (
            newcomer.department_id is not None
            and user.department_id is not None
            and user.department_id != newcomer.department_id
        )
        groups = int(shared.get(user.id, 0))
        mentoring = int(load.get(user.id, 0))
        score = (
            OTHER_DEPARTMENT * other
            + PER_GROUP * min(groups, MAX_GROUPS_COUNTED)
            - PER_NEWCOMER * mentoring
        )
        found.append(
            (
                (-score, mentoring, user.sort_key, user.id),
                MentorSuggestion(
                    person=PersonRef(
                        id=user.id,
                        display_name=user.display_name,
                        department=department,
                        reading=user.reading,
                    ),
                    other_department=other,
                    shared_groups=groups,
                    mentoring=mentoring,
                    score=score,
                ),
            )
        )
    found.sort(key=lambda pair: pair[0])
    return [s for _, s in found[:limit]]
