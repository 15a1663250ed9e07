"""Who may announce to whom, who receives an announcement, and the reads:
one announcement, the list, what one must read, the confirmation rates,
and its comments (whoever may read the published announcement reads them).

The audience is asked of the accounts as they are now, inside the query
(``audience_of``): a person moved to another department neither sees nor is
counted for its announcements any more, in any read, from that moment. What
one may not read answers "not found", as for what does not exist.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, case, exists, func, or_, select, true
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel.ext.asyncio.session import AsyncSession

from announcements.models import (
    COMMENT_PAGE,
    PAGE,
    Announcement,
    AnnouncementComment,
    AnnouncementCommentPublic,
    AnnouncementComments,
    AnnouncementDepartment,
    AnnouncementList,
    AnnouncementPublic,
    AnnouncementRead,
    Announcer,
    AnnouncerPublic,
    Announcers,
    AuthorRef,
    Confirmations,
    DepartmentConfirmations,
    DepartmentRef,
    PendingPerson,
    Rights,
)
from channels.models import FileRef
from core.clock import iso
from core.errors import NotFoundError
from core.tables import table_of
from org.models import Department, User

MAX_PENDING = 500  # people listed as not confirmed (the count says how many in all)

_A, _AD, _AR = table_of(Announcement), table_of(AnnouncementDepartment), table_of(AnnouncementRead)
_ANNOUNCER, _USER, _DEPT = table_of(Announcer), table_of(User), table_of(Department)
_AC = table_of(AnnouncementComment)

Reader = AsyncSession | AsyncConnection


async def _conn(db: Reader) -> AsyncConnection:
    return await db.connection() if isinstance(db, AsyncSession) else db


# ---- who may announce --------------------------------------------------------------


async def may_announce(db: Reader, person: User, department_id: int | None) -> bool:
    """Whether ``person`` may address the whole company (``department_id`` None:
    admins only) or one department (admins, and its named announcers). Other
    features that make company-wide or department-wide things ask this."""
    if not person.is_active:
        return False
    if person.is_admin:
        return True
    if department_id is None:
        return False
    found = await (await _conn(db)).execute(
        select(_ANNOUNCER.c.user_id).where(
            _ANNOUNCER.c.user_id == person.id, _ANNOUNCER.c.department_id == department_id
        )
    )
    return found.first() is not None


async def announces(db: Reader, person: User) -> bool:
    """Whether ``person`` announces at all: an admin, or a named announcer of
    some department (company-wide events are theirs to make too)."""
    if not person.is_active:
        return False
    if person.is_admin:
        return True
    found = await (await _conn(db)).execute(
        select(_ANNOUNCER.c.user_id).where(_ANNOUNCER.c.user_id == person.id).limit(1)
    )
    return found.first() is not None


async def rights(db: Reader, person: User) -> Rights:
    """Where ``person`` may announce: the company (admins) and departments."""
    conn = await _conn(db)
    query = select(_DEPT.c.id, _DEPT.c.name).order_by(_DEPT.c.reading, _DEPT.c.name, _DEPT.c.id)
    if not person.is_admin:
        query = query.where(
            exists().where(
                _ANNOUNCER.c.department_id == _DEPT.c.id, _ANNOUNCER.c.user_id == person.id
            )
        )
    rows = (await conn.execute(query)).all() if person.is_active else []
    return Rights(
        company=person.is_admin and person.is_active,
        departments=[DepartmentRef(id=i, name=n) for i, n in rows],
    )


async def announcers(db: Reader) -> Announcers:
    conn = await _conn(db)
    rows = await conn.execute(
        select(_USER.c.id, _USER.c.display_name, _DEPT.c.id, _DEPT.c.name)
        .select_from(_ANNOUNCER.join(_USER, _USER.c.id == _ANNOUNCER.c.user_id))
        .join(_DEPT, _DEPT.c.id == _ANNOUNCER.c.department_id)
        .order_by(_DEPT.c.name, _USER.c.display_name, _USER.c.id)
    )
    return Announcers(
        announcers=[
            AnnouncerPublic(
                user=AuthorRef(id=u, display_name=n), department=DepartmentRef(id=d, name=dn)
            )
            for u, n, d, dn in rows
        ]
    )


# ---- the audience, in SQL ------------------------------------------------------------


def audience_of(announcement: Any, user: Any) -> Any:
    """True where the account row ``user`` (a Core table or alias) is in the
    audience of ``announcement`` (the announcement table or an alias): active,
    and the announcement is company-wide or for their department."""
    return and_(
        user.c.is_active.is_(True),
        or_(
            announcement.c.company_wide.is_(True),
            exists().where(
                _AD.c.announcement_id == announcement.c.id,
                _AD.c.department_id == user.c.department_id,
            ),
        ),
    )


def _me() -> Any:
    return _USER.alias("me")


def readable(me: Any, *, published_only: bool = False) -> Any:
    """Announcements the account row ``me`` may read: published ones of its
    audience; and every one of theirs (the author) or, for admins, all."""
    manages = or_(_A.c.author_id == me.c.id, me.c.role == "admin")
    audience = and_(_A.c.published_at.is_not(None), audience_of(_A, me))
    if published_only:
        return and_(_A.c.published_at.is_not(None), or_(audience, manages))
    return and_(me.c.is_active.is_(True), or_(audience, manages))


def _columns(me: Any) -> list[Any]:
    confirmed = exists().where(
        _AR.c.announcement_id == _A.c.id, _AR.c.user_id == me.c.id, _AR.c.round == _A.c.round
    )
    comments = select(func.count()).where(_AC.c.announcement_id == _A.c.id).scalar_subquery()
    return [
        _A,
        comments.label("comment_count"),
        _USER.c.display_name.label("author_name"),
        and_(_A.c.published_at.is_not(None), audience_of(_A, me)).label("recipient"),
        confirmed.label("confirmed"),
        or_(_A.c.author_id == me.c.id, me.c.role == "admin").label("can_manage"),
    ]


async def _departments(conn: AsyncConnection, ids: Sequence[int]) -> dict[int, list[DepartmentRef]]:
    found: dict[int, list[DepartmentRef]] = {i: [] for i in ids}
    if not ids:
        return found
    rows = await conn.execute(
        select(_AD.c.announcement_id, _DEPT.c.id, _DEPT.c.name)
        .join(_DEPT, _DEPT.c.id == _AD.c.department_id)
        .where(_AD.c.announcement_id.in_(list(ids)))
        .order_by(_DEPT.c.name, _DEPT.c.id)
    )
    for a, d, n in rows:
        found[a].append(DepartmentRef(id=d, name=n))
    return found


def _public(row: Any, departments: list[DepartmentRef]) -> AnnouncementPublic:
    m = row._mapping
    return AnnouncementPublic(
        id=m["id"],
        title=m["title"],
        html=m["html"],
        must_read=m["must_read"],
        company_wide=m["company_wide"],
        departments=departments,
        author=AuthorRef(id=m["author_id"], display_name=m["author_name"]),
        publish_at=iso(m["publish_at"]) or "",
        published_at=iso(m["published_at"]),
        edited_at=iso(m["edited_at"]),
        updated=m["edited_at"] is not None and m["published_at"] is not None,
        round=m["round"],
        confirmed=bool(m["confirmed"]),
        recipient=bool(m["recipient"]),
        can_manage=bool(m["can_manage"]),
        comments_enabled=bool(m["comments_enabled"]),
        comment_count=int(m["comment_count"] or 0),
        files=[FileRef.model_validate(f) for f in m["files"] or []],
    )


async def _page(
    conn: AsyncConnection, user_id: int, where: Any, order: Any, limit: int, *, outer: bool = False
) -> list[AnnouncementPublic]:
    me = _me()
    rows = (
        await conn.execute(
            select(*_columns(me))
            .select_from(_A.join(_USER, _USER.c.id == _A.c.author_id))
            .join(me, me.c.id == user_id, isouter=outer)
            .where(where(me))
            .order_by(*order)
            .limit(limit)
        )
    ).all()
    departments = await _departments(conn, [r._mapping["id"] for r in rows])
    return [_public(r, departments[r._mapping["id"]]) for r in rows]


async def card(db: Reader, announcement_id: int) -> AnnouncementPublic:
    """An announcement as its author reads it, whoever asks (what every
    recipient's event shares; the caller decides who gets it)."""
    found = await _page(
        await _conn(db), 0, lambda me: _A.c.id == announcement_id, [_A.c.id], 1, outer=True
    )
    if not found:
        raise NotFoundError("no such announcement")
    return found[0]


async def one(db: Reader, user: User, announcement_id: int) -> AnnouncementPublic:
    """One announcement, if ``user`` may read it."""
    assert user.id is not None
    found = await _page(
        await _conn(db),
        user.id,
        lambda me: and_(_A.c.id == announcement_id, readable(me)),
        [_A.c.id],
        1,
    )
    if not found:
        raise NotFoundError("no such announcement")
    return found[0]


async def listed(db: Reader, user: User, before: int | None = None) -> AnnouncementList:
    """What ``user`` may read, newest first (scheduled ones of theirs too)."""
    assert user.id is not None

    def where(me: Any) -> Any:
        cond = readable(me)
        return and_(cond, _A.c.id < before) if before is not None else cond

    return AnnouncementList(
        announcements=await _page(await _conn(db), user.id, where, [_A.c.id.desc()], PAGE)
    )


async def must_read(db: Reader, user: User) -> list[AnnouncementPublic]:
    """Must-read announcements ``user`` receives and has not confirmed (this
    round), newest first: what their home pins."""
    assert user.id is not None

    def where(me: Any) -> Any:
        return and_(
            _A.c.must_read.is_(True),
            _A.c.published_at.is_not(None),
            audience_of(_A, me),
            ~exists().where(
                _AR.c.announcement_id == _A.c.id,
                _AR.c.user_id == me.c.id,
                _AR.c.round == _A.c.round,
            ),
        )

    return await _page(
        await _conn(db), user.id, where, [_A.c.published_at.desc(), _A.c.id.desc()], PAGE
    )


@dataclass(frozen=True, slots=True)
class Standing:
    """How one person stands with one announcement (what a confirmation needs)."""

    round: int
    author_id: int
    recipient: bool
    confirmed: bool


async def standing(db: Reader, user_id: int, announcement_id: int) -> Standing:
    """One statement: whether ``user_id`` (as they are now) is among its
    recipients and confirmed this round; "not found" if they may not read it."""
    me = _me()
    confirmed = exists().where(
        _AR.c.announcement_id == _A.c.id, _AR.c.user_id == me.c.id, _AR.c.round == _A.c.round
    )
    row = (
        await (await _conn(db)).execute(
            select(
                _A.c.round,
                _A.c.author_id,
                and_(_A.c.published_at.is_not(None), audience_of(_A, me)).label("recipient"),
                confirmed.label("confirmed"),
            )
            .select_from(_A.join(me, me.c.id == user_id))
            .where(_A.c.id == announcement_id, readable(me))
        )
    ).first()
    if row is None:
        raise NotFoundError("no such announcement")
    return Standing(row.round, row.author_id, bool(row.recipient), bool(row.confirmed))


async def require_manager(db: Reader, user: User, announcement_id: int) -> Announcement:
    """The announcement, if ``user`` is its author or an admin (else, whether
    it exists or not: "not found")."""
    conn = await _conn(db)
    row = (await conn.execute(select(_A).where(_A.c.id == announcement_id))).first()
    if row is None or not user.is_active or not (user.is_admin or row.author_id == user.id):
        raise NotFoundError("no such announcement")
    return Announcement.model_validate(dict(row._mapping))


async def confirmations(db: Reader, user: User, announcement_id: int) -> Confirmations:
    """The current round's rate overall and per department, and who has not
    confirmed (the author and admins only). Three statements, whatever the
    audience's size."""
    a = await require_manager(db, user, announcement_id)
    conn = await _conn(db)
    person = _USER.alias("person")
    confirmed = exists().where(
        _AR.c.announcement_id == a.id, _AR.c.user_id == person.c.id, _AR.c.round == a.round
    )
    audience = and_(_A.c.id == a.id, _A.c.published_at.is_not(None), audience_of(_A, person))
    base = select(person.c.id).select_from(person.join(_A, true())).where(audience)
    counted = base.with_only_columns(
        person.c.department_id, func.count(), func.sum(case((confirmed, 1), else_=0))
    ).group_by(person.c.department_id)
    rows = (await conn.execute(counted)).all()
    names = (
        {
            i: n
            for i, n in (
                await conn.execute(
                    select(_DEPT.c.id, _DEPT.c.name).where(
                        _DEPT.c.id.in_([d for d, _, _ in rows if d is not None])
                    )
                )
            ).all()
        }
        if rows
        else {}
    )
    departments = sorted(
        (
            DepartmentConfirmations(
                id=d,
                name=names.get(d, "") if d is not None else "",
                recipients=n,
                confirmed=int(c or 0),
            )
            for d, n, c in rows
        ),
        key=lambda r: (r.id is None, r.name, r.id or 0),
    )
    pending_rows = (
        await conn.execute(
            select(person.c.id, person.c.display_name, _DEPT.c.name)
            .select_from(person.join(_A, true()))
            .outerjoin(_DEPT, _DEPT.c.id == person.c.department_id)
            .where(audience, ~confirmed)
            .order_by(person.c.display_name, person.c.id)
            .limit(MAX_PENDING)
        )
    ).all()
    recipients = sum(r.recipients for r in departments)
    done = sum(r.confirmed for r in departments)
    return Confirmations(
        announcement_id=announcement_id,
        round=a.round,
        recipients=recipients,
        confirmed=done,
        departments=departments,
        pending=[PendingPerson(id=i, display_name=n, department=d) for i, n, d in pending_rows],
        pending_count=recipients - done,
    )


def recipients_query(announcement_id: int) -> Any:
    """The ids and roles of everyone an announcement is for, now."""
    person = _USER.alias("person")
    return (
        select(person.c.id, person.c.role)
        .select_from(person.join(_A, _A.c.id == announcement_id))
        .where(audience_of(_A, person))
        .order_by(person.c.id)
    )


def pending_query(announcement_id: int, round_: int) -> Any:
    """The ids of its audience who have not confirmed round ``round_``."""
    person = _USER.alias("person")
    return (
        select(person.c.id)
        .select_from(person.join(_A, _A.c.id == announcement_id))
        .where(
            audience_of(_A, person),
            ~exists().where(
                _AR.c.announcement_id == announcement_id,
                _AR.c.user_id == person.c.id,
                _AR.c.round == round_,
            ),
        )
        .order_by(person.c.id)
    )


# ---- comments ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Talk:
    """What writing or deleting under a published announcement needs to know."""

    author_id: int
    comments_enabled: bool
    title: str


async def talk(db: Reader, user_id: int, announcement_id: int) -> Talk:
    """The published announcement, if ``user_id`` (as they are now) may read
    it: its audience, its author and admins. Else, whether it exists or not
    (or is only scheduled), "not found". Its comments and files go with it."""
    me = _me()
    row = (
        await (await _conn(db)).execute(
            select(_A.c.author_id, _A.c.comments_enabled, _A.c.title)
            .select_from(_A.join(me, me.c.id == user_id))
            .where(_A.c.id == announcement_id, readable(me, published_only=True))
        )
    ).first()
    if row is None:
        raise NotFoundError("no such announcement")
    return Talk(row.author_id, bool(row.comments_enabled), row.title)


async def may_read(db: Reader, user_id: int, announcement_id: int) -> bool:
    """Whether ``user_id`` may read the announcement now (a scheduled one: its
    author and admins only): who may see its files."""
    me = _me()
    row = (
        await (await _conn(db)).execute(
            select(_A.c.id)
            .select_from(_A.join(me, me.c.id == user_id))
            .where(_A.c.id == announcement_id, readable(me))
        )
    ).first()
    return row is not None


def may_delete_comment(user: User, comment_author: int, talk_: Talk) -> bool:
    """A comment's author, the announcement's author, moderators and admins."""
    return user.id in (comment_author, talk_.author_id) or user.can_moderate


async def comment_count(db: Reader, announcement_id: int) -> int:
    found = await (await _conn(db)).execute(
        select(func.count()).where(_AC.c.announcement_id == announcement_id)
    )
    return int(found.scalar_one())


def comment_public(row: Any, user: User, talk_: Talk) -> AnnouncementCommentPublic:
    m = row._mapping
    return AnnouncementCommentPublic(
        id=m["id"],
        announcement_id=m["announcement_id"],
        author=AuthorRef(id=m["author_id"], display_name=m["author_name"]),
        html=m["html"],
        created_at=iso(m["created_at"]) or "",
        mine=m["author_id"] == user.id,
        can_delete=may_delete_comment(user, m["author_id"], talk_),
    )


def comments_query() -> Any:
    return select(
        _AC.c.id,
        _AC.c.announcement_id,
        _AC.c.author_id,
        _AC.c.html,
        _AC.c.created_at,
        _USER.c.display_name.label("author_name"),
    ).join(_USER, _USER.c.id == _AC.c.author_id)


async def comments(
    db: Reader, user: User, announcement_id: int, after: int | None = None
) -> AnnouncementComments:
    """A page of its comments, oldest first (after the comment ``after``)."""
    assert user.id is not None
    conn = await _conn(db)
    found = await talk(conn, user.id, announcement_id)
    query = comments_query().where(_AC.c.announcement_id == announcement_id)
    if after is not None:
        query = query.where(_AC.c.id > after)
    rows = (await conn.execute(query.order_by(_AC.c.id).limit(COMMENT_PAGE + 1))).all()
    more = len(rows) > COMMENT_PAGE
    rows = rows[:COMMENT_PAGE]
    return AnnouncementComments(
        comments=[comment_public(r, user, found) for r in rows],
        count=await comment_count(conn, announcement_id),
        comments_enabled=found.comments_enabled,
        can_comment=found.comments_enabled and user.is_active,
        after=rows[-1]._mapping["id"] if more and rows else None,
    )


def readers_query(announcement_id: int, user_ids: Sequence[int]) -> Any:
    """Which of ``user_ids`` (as they are now) may read the published
    announcement and its comments: whom the live ``commented`` frame is for."""
    me = _me()
    return (
        select(me.c.id)
        .select_from(_A.join(me, me.c.id.in_(list(user_ids))))
        .where(_A.c.id == announcement_id, readable(me, published_only=True))
    )
