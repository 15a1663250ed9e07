"""Figures for admins: how quickly questions get a first answer, per
department of the asker and per week over the last 12 weeks, and the
newcomers who did nothing in their first two weeks (so someone can reach out).

- *Time to first answer*: from asking to the first comment by someone other
  than the asker (wall-clock hours; the median). *Answered within a day*: the
  share of questions with a first answer within 24 hours of asking.
- *Small groups*: a department whose questions come from fewer than
  ``MIN_GROUP`` (5) people is merged into "other"; "other", and any week,
  with fewer than 5 askers shows its count only (its figures null,
  ``suppressed: true``), so nobody's speed can be read off a figure.
- *Quiet newcomers*: active people still new, whose first 14 days have
  passed, with no post, comment or like in them.
Weeks start on Monday in the company's time zone (questions/settings.py).
"""

from __future__ import annotations

import statistics
from datetime import UTC, date, datetime, time, timedelta
from types import SimpleNamespace
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select as sa_select
from sqlalchemy.ext.asyncio import AsyncConnection

from channels.models import Like, Post, Question
from core.clock import today, utcnow
from core.tables import table_of
from org.models import Department, User
from questions.settings import QuestionSettings

MIN_GROUP = 5
WEEKS = 12
QUIET_DAYS = 14

_Q, _POST, _LIKE = table_of(Question), table_of(Post), table_of(Like)
_USER, _DEPARTMENT = table_of(User), table_of(Department)


class Figure(BaseModel):
    label: str  # a department's name, "other", or a week's Monday (YYYY-MM-DD)
    questions: int
    askers: int
    suppressed: bool  # fewer than 5 askers: only the count is shown
    median_hours_to_first_answer: float | None
    answered_within_day: float | None  # 0 to 1


class QuietNewcomer(BaseModel):
    id: int
    display_name: str
    department: str | None
    start_date: str


class Figures(BaseModel):
    since: str  # the first day counted (a Monday)
    departments: list[Figure]
    weeks: list[Figure]
    quiet_newcomers: list[QuietNewcomer]


def _aware(ts: datetime | None) -> datetime | None:
    return ts.replace(tzinfo=UTC) if ts is not None and ts.tzinfo is None else ts


def _figure(label: str, rows: list[Any]) -> Figure:
    askers = len({r.asker_id for r in rows})
    suppressed = askers < MIN_GROUP
    waits = [
        (r.first_answer_at - r.asked_at).total_seconds() / 3600
        for r in rows
        if r.first_answer_at is not None
    ]
    within = sum(1 for w in waits if w <= 24)
    return Figure(
        label=label,
        questions=len(rows),
        askers=askers,
        suppressed=suppressed,
        median_hours_to_first_answer=(
            None if suppressed or not waits else round(statistics.median(waits), 2)
        ),
        answered_within_day=None if suppressed or not rows else round(within / len(rows), 3),
    )


async def figures(
    conn: AsyncConnection, s: QuestionSettings, *, now: datetime | None = None
) -> Figures:
    now = now or utcnow()
    local = now.astimezone(s.zone).date()
    first = local - timedelta(days=local.weekday() + 7 * (WEEKS - 1))
    since = datetime.combine(first, time(0), s.zone).astimezone(UTC)
    found = await conn.execute(
        sa_select(
            _Q.c.asker_id, _Q.c.asked_at, _Q.c.first_answer_at, _DEPARTMENT.c.name.label("dept")
        )
        .select_from(
            _Q.join(_POST, _POST.c.id == _Q.c.post_id)
            .join(_USER, _USER.c.id == _Q.c.asker_id)
            .outerjoin(_DEPARTMENT, _DEPARTMENT.c.id == _USER.c.department_id)
        )
        .where(_Q.c.asked_at >= since, _POST.c.deleted_at.is_(None))
    )
    rows = [
        SimpleNamespace(
            asker_id=r.asker_id,
            asked_at=_aware(r.asked_at),
            first_answer_at=_aware(r.first_answer_at),
            dept=r.dept,
        )
        for r in found
    ]
    by_dept: dict[str, list[Any]] = {}
    for r in rows:
        by_dept.setdefault(r.dept or "", []).append(r)
    departments, other = [], []
    for name, group in sorted(by_dept.items()):
        if name and len({r.asker_id for r in group}) >= MIN_GROUP:
            departments.append(_figure(name, group))
        else:
            other += group
    if other:
        departments.append(_figure("other", other))
    weeks = []
    for i in range(WEEKS):
        monday = first + timedelta(weeks=i)
        start = datetime.combine(monday, time(0), s.zone)
        end = start + timedelta(weeks=1)
        weeks.append(_figure(monday.isoformat(), [r for r in rows if start <= r.asked_at < end]))
    return Figures(
        since=first.isoformat(),
        departments=departments,
        weeks=weeks,
        quiet_newcomers=await quiet_newcomers(conn),
    )


async def quiet_newcomers(conn: AsyncConnection, on: date | None = None) -> list[QuietNewcomer]:
    """Newcomers past their first ``QUIET_DAYS`` days with nothing in them: the
    candidates in one query, then one query per table and distinct start date."""
    day = on or today()
    candidates = list(
        await conn.execute(
            sa_select(_USER.c.id, _USER.c.display_name, _DEPARTMENT.c.name, _USER.c.start_date)
            .select_from(_USER.outerjoin(_DEPARTMENT, _DEPARTMENT.c.id == _USER.c.department_id))
            .where(
                _USER.c.is_active.is_(True),
                _USER.c.start_date.is_not(None),
                _USER.c.start_date <= day - timedelta(days=QUIET_DAYS),
                _USER.c.newcomer_until > day,
            )
            .order_by(_USER.c.start_date, _USER.c.id)
        )
    )
    by_start: dict[date, list[int]] = {}
    for c in candidates:
        by_start.setdefault(c.start_date, []).append(c.id)
    active: set[int] = set()
    for start, ids in by_start.items():
        # The company's calendar day (core/clock.py): the server's local zone.
        begin = datetime.combine(start, time(0)).astimezone(UTC)
        end = begin + timedelta(days=QUIET_DAYS)
        for table, person in ((_POST, _POST.c.author_id), (_LIKE, _LIKE.c.user_id)):
            done = await conn.execute(
                sa_select(person)
                .where(person.in_(ids), table.c.created_at >= begin, table.c.created_at < end)
                .distinct()
            )
            active.update(r[0] for r in done)
    return [
        QuietNewcomer(id=i, display_name=n, department=d, start_date=s.isoformat())
        for i, n, d, s in candidates
        if i not in active
    ]
