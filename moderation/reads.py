"""What moderators read (the queue, a report in its context, appeals) and
what a person reads of their own (their reports and their sanctions).

Moderators' reads check the reader as they are now (``moderator``): a demoted
moderator's next request is refused, whatever an open session remembers.
What a person reads of their own never names a moderator, and their
sanctions never name who reported them.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from channels.models import Channel, Post
from channels.render import render
from core.clock import iso, utcnow
from core.errors import NotFoundError
from moderation.actions import moderator
from moderation.models import (
    PAGE_SIZE,
    AppealPublic,
    ContentPublic,
    MyReport,
    PersonLabel,
    Report,
    ReportDetail,
    ReportPublic,
    ReportReason,
    ReportsPage,
    ReportStatus,
    Sanction,
    SanctionKind,
    SanctionPublic,
)
from notify.deliver import excerpt
from org.models import User

_DECIDED = (ReportStatus.dismissed.value, ReportStatus.actioned.value)


async def _people(db: AsyncSession, ids: set[int]) -> dict[int, PersonLabel]:
    if not ids:
        return {}
    rows = await db.exec(select(User.id, User.display_name).where(col(User.id).in_(sorted(ids))))
    return {i: PersonLabel(id=i, display_name=n) for i, n in rows.all() if i is not None}


async def _contents(db: AsyncSession, posts: Sequence[Post]) -> list[ContentPublic]:
    channels = {
        c.id: c.name
        for c in (
            await db.exec(
                select(Channel).where(col(Channel.id).in_(sorted({p.channel_id for p in posts})))
            )
        ).all()
    }
    authors = await _people(db, {p.author_id for p in posts})
    return [
        ContentPublic(
            id=p.id or 0,
            parent_id=p.parent_id,
            channel_id=p.channel_id,
            channel_name=channels.get(p.channel_id, ""),
            author=authors.get(p.author_id, PersonLabel(id=p.author_id, display_name="")),
            body=p.body if p.deleted_at is None else "",
            html=(p.html if p.html is not None else render(p.body)) if p.deleted_at is None else "",
            created_at=iso(p.created_at) or "",
            hidden=p.hidden_reason if p.hidden_at is not None else None,
            deleted=p.deleted_at is not None,
        )
        for p in posts
    ]


async def _reports_public(db: AsyncSession, reports: Sequence[Report]) -> list[ReportPublic]:
    """Reports with their people, content and earlier count: a few queries a page."""
    if not reports:
        return []
    people = await _people(db, {r.reporter_id for r in reports} | {r.person_id for r in reports})
    post_ids = sorted({r.post_id for r in reports if r.post_id is not None})
    posts = list((await db.exec(select(Post).where(col(Post.id).in_(post_ids)))).all())
    contents = {c.id: c for c in await _contents(db, posts)}
    earlier_rows = (
        await db.exec(
            select(Report.person_id, Report.id).where(
                col(Report.person_id).in_(sorted({r.person_id for r in reports}))
            )
        )
    ).all()
    found = []
    for r in reports:
        assert r.id is not None
        earlier = sum(
            1 for person, i in earlier_rows if person == r.person_id and i is not None and i < r.id
        )
        found.append(
            ReportPublic(
                id=r.id,
                target_type=r.target_type,
                reason=ReportReason(r.reason),
                note=r.note,
                created_at=iso(r.created_at) or "",
                status=ReportStatus(r.status),
                decision=r.decision,
                decision_reason=r.decision_reason,
                decided_at=iso(r.decided_at),
                reporter=people[r.reporter_id],
                person=people[r.person_id],
                content=contents.get(r.post_id) if r.post_id is not None else None,
                earlier_reports=earlier,
            )
        )
    return found


def sanction_public(s: Sanction, created_by: PersonLabel | None = None) -> SanctionPublic:
    assert s.id is not None
    now = utcnow()
    ends = (
        s.ends_at if s.ends_at is None or s.ends_at.tzinfo else s.ends_at.replace(tzinfo=now.tzinfo)
    )
    in_force = s.lifted_at is None and (
        s.kind in (SanctionKind.warning.value, SanctionKind.hidden.value)
        or (ends is not None and ends > now)
    )
    return SanctionPublic(
        id=s.id,
        user_id=s.user_id,
        kind=SanctionKind(s.kind),
        reason=s.reason,
        clause=s.clause,
        post_id=s.post_id,
        created_at=iso(s.created_at) or "",
        ends_at=iso(s.ends_at),
        in_force=in_force,
        lifted_at=iso(s.lifted_at),
        lift_reason=s.lift_reason,
        appeal_note=s.appeal_note,
        appealed_at=iso(s.appealed_at),
        appeal_decision=s.appeal_decision,
        appeal_reason=s.appeal_reason,
        created_by=created_by,
    )


async def queue(
    db: AsyncSession, actor: User, *, decided: bool = False, before: int | None = None
) -> ReportsPage:
    """Open reports, oldest first (the next to decide at the top); or decided
    ones, newest first."""
    await moderator(db, actor)
    stmt = select(Report)
    if decided:
        stmt = stmt.where(col(Report.status).in_(_DECIDED)).order_by(col(Report.id).desc())
        if before is not None:
            stmt = stmt.where(col(Report.id) < before)
    else:
        stmt = stmt.where(Report.status == ReportStatus.open.value).order_by(col(Report.id))
        if before is not None:
            stmt = stmt.where(col(Report.id) > before)
    rows = list((await db.exec(stmt.limit(PAGE_SIZE + 1))).all())
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    return ReportsPage(
        reports=await _reports_public(db, rows), before=rows[-1].id if more and rows else None
    )


async def report_detail(db: AsyncSession, actor: User, report_id: int) -> ReportDetail:
    await moderator(db, actor)
    report = await db.get(Report, report_id)
    if report is None:
        raise NotFoundError("no such report")
    (public,) = await _reports_public(db, [report])
    thread: list[ContentPublic] = []
    if report.post_id is not None:
        post = await db.get(Post, report.post_id)
        if post is not None:
            root = post.parent_id or post.id
            family = (
                await db.exec(
                    select(Post)
                    .where((col(Post.id) == root) | (col(Post.parent_id) == root))
                    .order_by(col(Post.id))
                )
            ).all()
            thread = await _contents(db, list(family))
    others = (
        await db.exec(
            select(Report)
            .where(Report.person_id == report.person_id, Report.id != report.id)
            .order_by(col(Report.id).desc())
            .limit(PAGE_SIZE)
        )
    ).all()
    sanctions = await sanctions_of(db, report.person_id, with_moderators=True)
    return ReportDetail(
        report=public,
        thread=thread,
        history=await _reports_public(db, list(others)),
        sanctions=sanctions,
    )


async def sanctions_of(
    db: AsyncSession, user_id: int, *, with_moderators: bool = False
) -> list[SanctionPublic]:
    rows = (
        await db.exec(
            select(Sanction).where(Sanction.user_id == user_id).order_by(col(Sanction.id).desc())
        )
    ).all()
    by = (
        await _people(db, {s.created_by for s in rows if s.created_by is not None})
        if with_moderators
        else {}
    )
    return [
        sanction_public(s, by.get(s.created_by) if s.created_by is not None else None) for s in rows
    ]


async def appeals(db: AsyncSession, actor: User) -> list[AppealPublic]:
    """Appeals waiting for a decision, oldest first."""
    await moderator(db, actor)
    rows = (
        await db.exec(
            select(Sanction)
            .where(col(Sanction.appealed_at).is_not(None), col(Sanction.appeal_decision).is_(None))
            .order_by(col(Sanction.appealed_at))
        )
    ).all()
    people = await _people(db, {s.user_id for s in rows})
    by = await _people(db, {s.created_by for s in rows if s.created_by is not None})
    return [
        AppealPublic(
            sanction=sanction_public(s, by.get(s.created_by) if s.created_by else None),
            person=people[s.user_id],
        )
        for s in rows
    ]


async def my_reports(db: AsyncSession, user: User) -> list[MyReport]:
    rows = (
        await db.exec(
            select(Report, Post)
            .outerjoin(Post, col(Post.id) == col(Report.post_id))
            .where(Report.reporter_id == user.id)
            .order_by(col(Report.id).desc())
            .limit(200)
        )
    ).all()
    return [
        MyReport(
            id=r.id or 0,
            target_type=r.target_type,
            post_id=r.post_id,
            user_id=r.person_id if r.target_type == "person" else None,
            excerpt=excerpt(p.html) if p is not None and p.deleted_at is None else "",
            reason=ReportReason(r.reason),
            note=r.note,
            created_at=iso(r.created_at) or "",
            status=ReportStatus(r.status),
            decision=r.decision,
            decided_at=iso(r.decided_at),
        )
        for r, p in rows
    ]
