"""The report, built from the rollups (usage/models.py) at the end of each
round of the job and stored whole, so that opening the page reads one row.

Windows, all in UTC days ending today: active people per day (30 days), per
week (12 weeks, Mondays) and per month (12 months); departments' posts,
comments and likes per week (12 weeks); channels' activity, feature use,
the department matrix (30 days; feature use against the 30 days before);
the cross-department index per week (12 weeks); newcomers' questions (90
days) and their first four weeks (people who started in the last 180 days).

Suppression (``MIN_PEOPLE``): a figure drawn from 1 to 4 distinct people is
null with ``suppressed`` set; 0 (nobody) is shown. People are counted in
their department of today; people without one are left out of department
figures.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, case, distinct, func, union_all
from sqlalchemy import select as sa_select
from sqlalchemy.ext.asyncio import AsyncConnection

from channels.models import Channel, ChannelKind, Membership, Question
from core.clock import iso
from core.tables import table_of
from org.models import Department, User
from usage import features
from usage.models import (
    MIN_PEOPLE,
    Active,
    AnalyticsLink,
    AnalyticsUse,
    ChannelUse,
    Crossing,
    DepartmentRef,
    DepartmentWeek,
    FeatureUse,
    MatrixCell,
    NewcomerQuestions,
    Newcomers,
    NewcomerWeek,
    Report,
)

DAYS, WEEKS, MONTHS = 30, 12, 12
WINDOW = 30  # days of feature use, channels and the matrix
SHOWN_CHANNELS = 10
NEWCOMER_QUESTION_DAYS = 90
NEWCOMER_COHORT_DAYS = 180
NEWCOMER_WEEKS = 4
WRITING = ("posts", "comments", "likes")

_USE, _LINK = table_of(AnalyticsUse), table_of(AnalyticsLink)
_USER, _DEPT, _CHANNEL = table_of(User), table_of(Department), table_of(Channel)
_MEMBER, _QUESTION = table_of(Membership), table_of(Question)


def shown(people: int) -> bool:
    return people == 0 or people >= MIN_PEOPLE


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _period(conn: AsyncConnection, day: Any, unit: str) -> ColumnElement[Any]:
    """A day's week (its Monday) or month (its first day), in SQL."""
    if conn.dialect.name == "postgresql":
        return func.date(func.date_trunc(unit, day))
    if unit == "week":
        return func.date(day, "weekday 0", "-6 days")
    return func.date(day, "start of month")


async def _active(
    conn: AsyncConnection, unit: str | None, since: date, periods: list[date]
) -> list[Active]:
    u = _USE.c
    key = u.day if unit is None else _period(conn, u.day, unit)
    rows = await conn.execute(
        sa_select(key, func.count(distinct(u.user_id))).where(u.day >= since).group_by(key)
    )
    found = {features.as_date(k): n for k, n in rows}
    out = []
    for p in periods:
        n = found.get(p, 0)
        out.append(
            Active(period=p.isoformat(), people=n if shown(n) else None, suppressed=not shown(n))
        )
    return out


async def _departments(
    conn: AsyncConnection, since: date, weeks: list[date]
) -> list[DepartmentWeek]:
    u, a, d = _USE.c, _USER.c, _DEPT.c
    week = _period(conn, u.day, "week")
    joined = _USE.join(_USER, a.id == u.user_id)
    where = (u.day >= since, u.feature.in_(WRITING), a.department_id.is_not(None))
    counts: dict[tuple[date, int], dict[str, int]] = defaultdict(dict)
    for w, dept, feature, n in await conn.execute(
        sa_select(week, a.department_id, u.feature, func.sum(u.uses))
        .select_from(joined)
        .where(*where)
        .group_by(week, a.department_id, u.feature)
    ):
        counts[(features.as_date(w), dept)][feature] = int(n)
    people: dict[tuple[date, int], int] = {}
    for w, dept, n in await conn.execute(
        sa_select(week, a.department_id, func.count(distinct(u.user_id)))
        .select_from(joined)
        .where(*where)
        .group_by(week, a.department_id)
    ):
        people[(features.as_date(w), dept)] = n
    depts = list(await conn.execute(sa_select(d.id, d.name).order_by(d.name)))
    out = []
    for w in weeks:
        for dept_id, name in depts:
            n = people.get((w, dept_id), 0)
            ok = shown(n)
            c = counts.get((w, dept_id), {})
            out.append(
                DepartmentWeek(
                    week=w.isoformat(),
                    department_id=dept_id,
                    department=name,
                    people=n if ok else None,
                    posts=c.get("posts", 0) if ok else None,
                    comments=c.get("comments", 0) if ok else None,
                    likes=c.get("likes", 0) if ok else None,
                    suppressed=not ok,
                )
            )
    return out


async def _channels(
    conn: AsyncConnection, since: date
) -> tuple[list[ChannelUse], list[ChannelUse]]:
    u, c = _USE.c, _CHANNEL.c
    activity = {
        ch: (people, int(actions))
        for ch, people, actions in await conn.execute(
            sa_select(u.channel_id, func.count(distinct(u.user_id)), func.sum(u.uses))
            .where(u.day >= since, u.feature.in_(WRITING))
            .group_by(u.channel_id)
        )
    }
    channels = await conn.execute(
        sa_select(c.id, c.name, c.kind)
        .where(c.kind != ChannelKind.direct.value, c.archived_at.is_(None))
        .order_by(c.name, c.id)
    )
    rows = []
    for ch, name, kind in channels:
        people, actions = activity.get(ch, (0, 0))
        ok = shown(people)
        rows.append(
            ChannelUse(
                channel_id=ch,
                name=name,
                kind=kind,
                people=people if ok else None,
                actions=actions if ok else None,
                suppressed=not ok,
            )
        )
    counted = [r for r in rows if not r.suppressed and r.actions]
    most = sorted(counted, key=lambda r: -(r.actions or 0))[:SHOWN_CHANNELS]
    # The least active: those nobody used, then those fewer than 5 people used
    # (in name order: their figures are not shown, so neither is their order),
    # then the least used of the rest.
    quiet = [r for r in rows if not r.suppressed and not r.actions]
    few = [r for r in rows if r.suppressed]
    least = (quiet + few + sorted(counted, key=lambda r: r.actions or 0))[:SHOWN_CHANNELS]
    return most, least


async def _features(conn: AsyncConnection, on: date) -> list[FeatureUse]:
    u = _USE.c
    recent = on - timedelta(days=WINDOW - 1)
    before = recent - timedelta(days=WINDOW)
    found = {
        f: (now_, prev)
        for f, now_, prev in await conn.execute(
            sa_select(
                u.feature,
                func.count(distinct(case((u.day >= recent, u.user_id)))),
                func.count(distinct(case((u.day < recent, u.user_id)))),
            )
            .where(u.day >= before)
            .group_by(u.feature)
        )
    }
    out = []
    for name in features.FEATURES:
        if name not in features.ENTRIES:
            out.append(
                FeatureUse(
                    feature=name,
                    available=False,
                    people=None,
                    previous=None,
                    change=None,
                    unused=False,
                    suppressed=False,
                )
            )
            continue
        people, previous = found.get(name, (0, 0))
        a, b = shown(people), shown(previous)
        out.append(
            FeatureUse(
                feature=name,
                available=True,
                people=people if a else None,
                previous=previous if b else None,
                change=people - previous if a and b else None,
                unused=people == 0,
                suppressed=not a,
            )
        )
    return out


async def _matrix(
    conn: AsyncConnection, since: date
) -> tuple[list[DepartmentRef], list[MatrixCell]]:
    link, actor, target, d = _LINK.c, _USER.alias("actor"), _USER.alias("target"), _DEPT.c
    joined = _LINK.join(actor, actor.c.id == link.actor_id).join(
        target, target.c.id == link.target_id
    )
    where = (
        link.day >= since,
        actor.c.department_id.is_not(None),
        target.c.department_id.is_not(None),
    )
    sums: dict[tuple[int, int], dict[str, int]] = defaultdict(dict)
    for a, b, kind, n in await conn.execute(
        sa_select(actor.c.department_id, target.c.department_id, link.kind, func.sum(link.n))
        .select_from(joined)
        .where(*where)
        .group_by(actor.c.department_id, target.c.department_id, link.kind)
    ):
        sums[(a, b)][kind] = int(n)
    people: dict[tuple[int, int], set[int]] = defaultdict(set)
    sides = union_all(
        *(
            sa_select(
                actor.c.department_id.label("a"),
                target.c.department_id.label("b"),
                person.label("person"),
            )
            .select_from(joined)
            .where(*where)
            for person in (link.actor_id, link.target_id)
        )
    ).subquery()
    for a, b, person in await conn.execute(sa_select(sides).distinct()):
        people[(a, b)].add(person)
    # Shared interest groups: for each group, its members per department; a
    # pair of departments shares (members of one) x (members of the other)
    # memberships, a department with itself n(n-1)/2.
    m, c, u = _MEMBER.c, _CHANNEL.c, _USER.c
    groups: dict[int, dict[int, set[int]]] = defaultdict(lambda: defaultdict(set))
    for ch, dept, person in await conn.execute(
        sa_select(m.channel_id, u.department_id, u.id)
        .select_from(_MEMBER.join(_CHANNEL, c.id == m.channel_id).join(_USER, u.id == m.user_id))
        .where(
            c.kind == ChannelKind.group.value,
            c.archived_at.is_(None),
            u.is_active.is_(True),
            u.department_id.is_not(None),
        )
    ):
        groups[ch][dept].add(person)
    shared: dict[tuple[int, int], int] = defaultdict(int)
    for by_dept in groups.values():
        for a, ones in by_dept.items():
            for b, others in by_dept.items():
                n = len(ones) * (len(ones) - 1) // 2 if a == b else len(ones) * len(others)
                if n:
                    shared[(a, b)] += n
                    people[(a, b)] |= ones | others
    depts = [
        DepartmentRef(id=i, name=n)
        for i, n in await conn.execute(sa_select(d.id, d.name).order_by(d.name))
    ]
    cells = []
    for a in depts:
        for b in depts:
            key = (a.id, b.id)
            n = len(people.get(key, ()))
            ok = shown(n)
            s = sums.get(key, {})
            total = s.get("comment", 0) + s.get("like", 0) + s.get("mention", 0)
            cells.append(
                MatrixCell(
                    source=a.id,
                    target=b.id,
                    people=n if ok else None,
                    comments=s.get("comment", 0) if ok else None,
                    likes=s.get("like", 0) if ok else None,
                    mentions=s.get("mention", 0) if ok else None,
                    shared_groups=shared.get(key, 0) if ok else None,
                    total=total if ok else None,
                    suppressed=not ok,
                )
            )
    return depts, cells


async def _crossing(conn: AsyncConnection, since: date, weeks: list[date]) -> list[Crossing]:
    link, actor, target = _LINK.c, _USER.alias("actor"), _USER.alias("target")
    joined = _LINK.join(actor, actor.c.id == link.actor_id).join(
        target, target.c.id == link.target_id
    )
    where = (
        link.day >= since,
        actor.c.department_id.is_not(None),
        target.c.department_id.is_not(None),
    )
    week = _period(conn, link.day, "week")
    crosses = case((actor.c.department_id != target.c.department_id, link.n), else_=0)
    totals = {
        features.as_date(w): (int(n), int(x))
        for w, n, x in await conn.execute(
            sa_select(week, func.sum(link.n), func.sum(crosses))
            .select_from(joined)
            .where(*where)
            .group_by(week)
        )
    }
    sides = union_all(
        *(
            sa_select(week.label("w"), person.label("person")).select_from(joined).where(*where)
            for person in (link.actor_id, link.target_id)
        )
    ).subquery()
    people = {
        features.as_date(w): n
        for w, n in await conn.execute(
            sa_select(sides.c.w, func.count(distinct(sides.c.person))).group_by(sides.c.w)
        )
    }
    out = []
    for w in weeks:
        n, x = totals.get(w, (0, 0))
        ok = shown(people.get(w, 0))
        out.append(
            Crossing(
                week=w.isoformat(),
                interactions=n if ok else None,
                crossing=x if ok else None,
                index=round(x / n, 4) if ok and n else None,
                suppressed=not ok,
            )
        )
    return out


def _aware(ts: datetime | None) -> datetime | None:
    return ts.replace(tzinfo=UTC) if ts is not None and ts.tzinfo is None else ts


async def _newcomers(conn: AsyncConnection, on: date) -> Newcomers:
    q, u = _QUESTION.c, _USER.c
    since = datetime.combine(on - timedelta(days=NEWCOMER_QUESTION_DAYS), datetime.min.time(), UTC)
    asked = []
    for asker, at, first, start, until in await conn.execute(
        sa_select(q.asker_id, q.asked_at, q.first_answer_at, u.start_date, u.newcomer_until)
        .select_from(_QUESTION.join(_USER, u.id == q.asker_id))
        .where(q.asked_at >= since, u.start_date.is_not(None))
    ):
        at, first = _aware(at), _aware(first)
        assert at is not None
        if start <= at.date() and (until is None or at.date() < until):
            asked.append((asker, at, first))
    askers = len({a for a, _, _ in asked})
    ok = shown(askers)
    waits = [(f - a).total_seconds() / 3600 for _, a, f in asked if f is not None]
    questions = NewcomerQuestions(
        questions=len(asked) if ok else None,
        askers=askers if ok else None,
        answered=len(waits) if ok else None,
        median_hours_to_first_answer=round(statistics.median(waits), 2) if ok and waits else None,
        answered_within_day=(
            round(sum(1 for w in waits if w <= 24) / len(asked), 4) if ok and asked else None
        ),
        suppressed=not ok,
    )
    first_day = on - timedelta(days=NEWCOMER_COHORT_DAYS)
    cohort = {
        i: s
        for i, s in await conn.execute(
            sa_select(u.id, u.start_date).where(
                u.start_date >= first_day, u.start_date <= on, u.is_active.is_(True)
            )
        )
    }
    uses: dict[int, list[tuple[date, str, int]]] = defaultdict(list)
    if cohort:
        x = _USE.c
        ids = list(cohort)
        for chunk in range(0, len(ids), 1000):
            for person, day, feature, n in await conn.execute(
                sa_select(x.user_id, x.day, x.feature, func.sum(x.uses))
                .where(x.user_id.in_(ids[chunk : chunk + 1000]), x.day >= first_day)
                .group_by(x.user_id, x.day, x.feature)
            ):
                uses[person].append((features.as_date(day), feature, int(n)))
    weeks = []
    for k in range(1, NEWCOMER_WEEKS + 1):
        eligible = [
            i for i, s in cohort.items() if s + timedelta(days=7 * k) <= on + timedelta(days=1)
        ]
        active = 0
        totals = dict.fromkeys(WRITING, 0)
        for i in eligible:
            lo = cohort[i] + timedelta(days=7 * (k - 1))
            hi = lo + timedelta(days=7)
            mine = [(f, n) for d, f, n in uses.get(i, ()) if lo <= d < hi]
            if mine:
                active += 1
            for f, n in mine:
                if f in totals:
                    totals[f] += n
        ok = shown(len(eligible))
        weeks.append(
            NewcomerWeek(
                week=k,
                newcomers=len(eligible) if ok else None,
                active=active if ok else None,
                posts=totals["posts"] if ok else None,
                comments=totals["comments"] if ok else None,
                likes=totals["likes"] if ok else None,
                suppressed=not ok,
            )
        )
    return Newcomers(questions=questions, weeks=weeks)


def _end(period: date, unit: str | None) -> date:
    """The first day after a period."""
    if unit is None:
        return period + timedelta(days=1)
    if unit == "week":
        return period + timedelta(weeks=1)
    return date(period.year + period.month // 12, period.month % 12 + 1, 1)


def _split(
    periods: list[date], unit: str | None, recount: date | None, had: set[str]
) -> tuple[list[date], list[date]]:
    """The periods whose figures the last report has and no recounted day
    touches (kept), and the others (counted again)."""
    if recount is None:
        return [], periods
    kept = [p for p in periods if _end(p, unit) <= recount and p.isoformat() in had]
    return kept, [p for p in periods if p not in kept]


async def build(
    conn: AsyncConnection,
    now: datetime,
    seconds: float | None = None,
    *,
    previous: Report | None = None,
    recount: date | None = None,
) -> Report:
    """The report as of ``now``, from the rollups. Given the last report and the
    first day this round recounted, the periods that ended before that day keep
    the last report's figures (their rows did not change): a round's cost
    follows the days it recounted, not the months shown."""
    on = now.astimezone(UTC).date()
    days = [on - timedelta(days=i) for i in range(DAYS - 1, -1, -1)]
    monday = _monday(on)
    weeks = [monday - timedelta(weeks=i) for i in range(WEEKS - 1, -1, -1)]
    months: list[date] = []
    y, m = on.year, on.month
    for _ in range(MONTHS):
        months.insert(0, date(y, m, 1))
        y, m = (y, m - 1) if m > 1 else (y - 1, 12)
    if previous is None:
        recount = None
    old = previous or Report(computed_at=None, seconds=None, today=on.isoformat())

    async def active(periods: list[date], unit: str | None, before: list[Active]) -> list[Active]:
        by = {a.period: a for a in before}
        kept, fresh = _split(periods, unit, recount, set(by))
        counted = await _active(conn, unit, fresh[0], fresh) if fresh else []
        return [by[p.isoformat()] for p in kept] + counted

    kept_weeks, fresh_weeks = _split(weeks, "week", recount, {c.week for c in old.crossing})
    kept_names = {w.isoformat() for w in kept_weeks}
    departments = [d for d in old.departments if d.week in kept_names]
    crossing = [c for c in old.crossing if c.week in kept_names]
    if fresh_weeks:
        departments += await _departments(conn, fresh_weeks[0], fresh_weeks)
        crossing += await _crossing(conn, fresh_weeks[0], fresh_weeks)
    window = on - timedelta(days=WINDOW - 1)
    most, least = await _channels(conn, window)
    depts, cells = await _matrix(conn, window)
    return Report(
        computed_at=iso(now),
        seconds=seconds,
        today=on.isoformat(),
        days=await active(days, None, old.days),
        weeks=await active(weeks, "week", old.weeks),
        months=await active(months, "month", old.months),
        departments=departments,
        most_active_channels=most,
        least_active_channels=least,
        features=await _features(conn, on),
        matrix_departments=depts,
        matrix=cells,
        crossing=crossing,
        newcomers=await _newcomers(conn, on),
    )
