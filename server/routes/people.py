"""People, departments, one's own profile and the admin's account management:
accounts one by one, invitation links, importing and exporting CSV files,
departments (open or closed,
deleted, merged)."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel
from sqlalchemy import func, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.responses import Response

from channels.access import can_read, viewer
from channels.actions.people import (
    check_roster,
    do_create_department,
    do_create_user,
    do_delete_department,
    do_import_people,
    do_merge_department,
    do_update_department,
    do_update_user,
    roster_row_public,
)
from channels.models import Channel, Membership
from core.clock import today, utcnow
from core.errors import ForbiddenError, InvalidError, NotFoundError
from core.text import like_pattern, sort_key
from org import auth, roster
from org.facts import PeopleExported
from org.models import (
    Department,
    DepartmentCreate,
    DepartmentMerge,
    DepartmentPublic,
    DepartmentUpdate,
    InviteCreate,
    ProfileUpdate,
    User,
    UserCreate,
    UserPublic,
    UserUpdate,
)
from org.newcomers import is_newcomer
from org.profile import do_update_profile
from server.api import Ctx, Param, api
from server.services import Services
from streams.catalogue import Fact
from streams.unit import Unit

CSV_TYPE = "text/csv"
DIRECTORY_LIMIT = 500  # people one directory request lists (a mention's list asks for a few)


class PersonPublic(UserPublic):
    """A person as the one asking sees them. ``email`` and ``start_date`` are
    null except for admins and the person themself (``SHOW_EMAILS=1`` shows
    emails to everyone); ``pending`` (admins only) says the account still waits
    for its person to choose a password."""

    reading: str
    bio: str
    start_date: date | None
    status: str
    pending: bool | None = None


class MePublic(PersonPublic):
    """One's own profile, with what only one sets for oneself: the language of
    one's mail (null until one's browser says) and whether a mention left
    unread is mailed."""

    language: str | None
    mention_email: bool


class InviteIssued(BaseModel):
    token: str
    url: str


class PreviewRow(BaseModel):
    row: int  # as a spreadsheet numbers it: the header is row 1
    email: str
    name: str
    reading: str
    department: str
    department_id: int | None
    role: str
    start_date: date | None
    # Each {"field", "code"} (and "row" for a repeated email); codes in org/roster.py.
    errors: list[dict[str, Any]]
    # The name holds a warn-level word of the word check: imported all the
    # same, and recorded (a block-level word is an error: ``word_blocked``).
    warned: bool = False


class ImportPreview(BaseModel):
    encoding: str  # "utf-8" or "shift_jis"
    columns: list[str]
    rows: list[PreviewRow]
    invalid: int  # rows with problems: the import takes the file only when 0


class ImportedPerson(BaseModel):
    row: int
    id: int
    email: str
    display_name: str
    url: str  # their one-time link to choose a password


class ImportResult(BaseModel):
    created: list[ImportedPerson]


async def people_in(db: AsyncSession, department_ids: list[int]) -> dict[int, int]:
    """Active people per department."""
    rows = (
        await db.exec(
            select(User.department_id, func.count())
            .where(col(User.department_id).in_(department_ids), col(User.is_active))
            .group_by(col(User.department_id))
        )
    ).all()
    return {d: n for d, n in rows if d is not None}


def _require_admin(user: User) -> None:
    if not user.is_admin:
        raise ForbiddenError("admins only")


def _base(ctx: Ctx) -> str:
    return str(ctx.request.base_url).rstrip("/")


async def department_names(services: Services, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    async with services.db.reader() as db:
        rows = (
            await db.exec(select(Department.id, Department.name).where(col(Department.id).in_(ids)))
        ).all()
    return {i: n for i, n in rows if i is not None}


def sees_private(ctx: Ctx, user: User) -> bool:
    """Whether the one asking sees ``user``'s email and start date."""
    me = ctx.user
    return me.is_admin or me.id == user.id


async def people_public(ctx: Ctx, users: list[User]) -> list[PersonPublic]:
    names = await department_names(
        ctx.services, {u.department_id for u in users if u.department_id}
    )
    statuses = await ctx.services.presence.statuses([u.id for u in users if u.id is not None])
    show_emails = ctx.services.settings.show_emails
    day = today()
    found = []
    for u in users:
        assert u.id is not None
        mine = sees_private(ctx, u)
        found.append(
            PersonPublic(
                id=u.id,
                email=u.email if mine or show_emails else None,
                display_name=u.display_name,
                reading=u.reading,
                bio=u.bio,
                department_id=u.department_id,
                department=names.get(u.department_id or 0),
                role=u.role,
                is_active=u.is_active,
                start_date=u.start_date if mine else None,
                status=statuses.get(u.id, "offline"),
                pending=(u.password_hash is None) if ctx.user.is_admin else None,
                newcomer=is_newcomer(u, day),
            )
        )
    return found


def by_reading(db: AsyncSession) -> Any:
    """People in reading order, the same on both databases: by code point
    (gojūon for hiragana), which SQLite does by default and PostgreSQL under
    the "C" collation."""
    key: Any = col(User.sort_key)
    if db.get_bind().dialect.name == "postgresql":
        key = key.collate("C")
    return (key, col(User.id))


@api.route(
    "GET",
    "/api/users",
    summary="The people directory (name, reading, department, online), in reading order",
    returns=list[PersonPublic],
    query=[
        Param(
            "q",
            "match on name, reading (hiragana or katakana), its Latin spelling, "
            "and email for those who see emails",
        ),
        Param("department", "department id", "integer"),
        Param("limit", f"1-{DIRECTORY_LIMIT} (the default): the first ones only", "integer"),
    ],
)
async def list_users(ctx: Ctx) -> list[PersonPublic]:
    pattern = like_pattern(ctx.request.query_params.get("q") or "")
    department = ctx.query_int("department")
    limit = ctx.query_int("limit")
    limit = DIRECTORY_LIMIT if limit is None else limit
    if not 1 <= limit <= DIRECTORY_LIMIT:
        raise InvalidError(f"limit: 1 to {DIRECTORY_LIMIT}")
    stmt = select(User)
    if not ctx.user.is_admin:
        stmt = stmt.where(col(User.is_active))
    if pattern is not None:
        matches = [col(User.search_text).like(pattern, escape="\\")]
        if ctx.user.is_admin or ctx.services.settings.show_emails:
            email = (ctx.request.query_params.get("q") or "").strip().lower()
            escaped = email.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            matches.append(func.lower(User.email).like(f"%{escaped}%", escape="\\"))
        stmt = stmt.where(or_(*matches))
    if department is not None:
        stmt = stmt.where(User.department_id == department)
    async with ctx.services.db.reader() as db:
        users = list((await db.exec(stmt.order_by(*by_reading(db)).limit(limit))).all())
    return await people_public(ctx, users)


@api.route(
    "GET", "/api/users/{user_id:id}", summary="One person's profile card", returns=PersonPublic
)
async def get_user(ctx: Ctx) -> PersonPublic:
    async with ctx.services.db.reader() as db:
        user = await db.get(User, ctx.path_int("user_id"))
    if user is None or (not user.is_active and not ctx.user.is_admin):
        raise NotFoundError("no such person")
    return (await people_public(ctx, [user]))[0]


async def me_public(ctx: Ctx, user: User) -> MePublic:
    public = (await people_public(ctx, [user]))[0]
    return MePublic(**public.model_dump(), language=user.language, mention_email=user.mention_email)


@api.route("GET", "/api/me", summary="One's own profile", returns=MePublic)
async def get_me(ctx: Ctx) -> MePublic:
    async with ctx.services.db.reader() as db:
        user = await db.get(User, ctx.user.id)
    if user is None:
        raise NotFoundError("no such person")
    return await me_public(ctx, user)


@api.route(
    "PATCH",
    "/api/me",
    summary="Change one's own display name, reading (kana), introduction, the language"
    " of one's mail, or whether mentions left unread are mailed",
    body=ProfileUpdate,
    returns=MePublic,
)
async def update_me(ctx: Ctx) -> MePublic:
    user = await ctx.services.act(do_update_profile, ctx.user, ctx.body)
    return await me_public(ctx, user)


@api.route(
    "POST",
    "/api/users",
    summary="Create an account (admins)",
    body=UserCreate,
    returns=PersonPublic,
    status=201,
    role="admin",
)
async def create_user(ctx: Ctx) -> PersonPublic:
    _require_admin(ctx.user)
    user = await ctx.services.act(do_create_user, ctx.user, ctx.body)
    return (await people_public(ctx, [user]))[0]


@api.route(
    "PATCH",
    "/api/users/{user_id:id}",
    summary="Change name, reading, department, role, start date or active flag (admins)",
    body=UserUpdate,
    returns=PersonPublic,
    role="admin",
)
async def update_user(ctx: Ctx) -> PersonPublic:
    user = await ctx.services.act(do_update_user, ctx.user, ctx.path_int("user_id"), ctx.body)
    return (await people_public(ctx, [user]))[0]


# ---- CSV import and export --------------------------------------------------------------


async def _note(unit: Unit, fact: Fact) -> None:
    """A unit that only notes a fact (an export changes nothing, but is audited)."""
    unit.note(fact)


@api.route(
    "POST",
    "/api/users/import/preview",
    summary="Read a CSV file of people and judge every row; creates nothing (admins)",
    returns=ImportPreview,
    consumes=CSV_TYPE,
    max_bytes=roster.MAX_BYTES,
    role="admin",
)
async def import_preview(ctx: Ctx) -> ImportPreview:
    _require_admin(ctx.user)
    async with ctx.services.db.reader() as db:
        found = await check_roster(db, ctx.body)
    return ImportPreview.model_validate(
        {
            "encoding": found.encoding,
            "columns": found.columns,
            "rows": [roster_row_public(r) for r in found.rows],
            "invalid": found.invalid,
        }
    )


@api.route(
    "POST",
    "/api/users/import",
    summary="Create an account for every person of a CSV file, or for none (admins)",
    returns=ImportResult,
    status=201,
    consumes=CSV_TYPE,
    max_bytes=roster.MAX_BYTES,
    role="admin",
)
async def import_people(ctx: Ctx) -> ImportResult:
    _require_admin(ctx.user)
    made = await ctx.services.act(do_import_people, ctx.user, ctx.body)
    base = _base(ctx)
    return ImportResult(
        created=[
            ImportedPerson(
                row=m.row,
                id=m.user.id or 0,
                email=m.user.email,
                display_name=m.user.display_name,
                url=f"{base}/#/reset/{m.token}",
            )
            for m in made
        ]
    )


@api.route(
    "GET",
    "/api/users/export",
    summary="Every account as a CSV file (UTF-8 with BOM; admins)",
    produces=CSV_TYPE,
    role="admin",
)
async def export_people(ctx: Ctx) -> Response:
    _require_admin(ctx.user)
    async with ctx.services.db.reader() as db:
        rows = (
            await db.exec(
                select(User, Department.name)
                .outerjoin(Department, col(Department.id) == col(User.department_id))
                .order_by(*by_reading(db))
            )
        ).all()
    body = roster.export(
        [
            u.email,
            u.display_name,
            u.reading,
            dept or "",
            u.role,
            u.start_date.isoformat() if u.start_date else "",
            "true" if u.is_active else "false",
        ]
        for u, dept in rows
    )
    count = len(rows)
    await ctx.services.write(lambda unit: _note(unit, PeopleExported(count=count)), ctx.user)
    stamp = utcnow().strftime("%Y%m%d")
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": f'attachment; filename="kaisha-people-{stamp}.csv"'},
    )


# ---- invitations -----------------------------------------------------------------------


@api.route(
    "POST",
    "/api/invites",
    summary="Create an invitation link (admins)",
    body=InviteCreate,
    returns=InviteIssued,
    status=201,
    role="admin",
)
async def create_invite(ctx: Ctx) -> InviteIssued:
    _require_admin(ctx.user)
    data: InviteCreate = ctx.body

    async def invite(unit: Unit) -> str:
        if (
            data.department_id is not None
            and await unit.db.get(Department, data.department_id) is None
        ):
            raise NotFoundError("no such department")
        return await auth.create_invite(
            unit,
            created_by=ctx.user,
            email=data.email,
            department_id=data.department_id,
            role=data.role,
            start_date=data.start_date,
        )

    token = await ctx.services.write(invite, ctx.user)
    return InviteIssued(token=token, url=f"{_base(ctx)}/#/invite/{token}")


# ---- departments ------------------------------------------------------------------------


async def departments_public(
    ctx: Ctx, db: AsyncSession, only: int | None = None
) -> list[DepartmentPublic]:
    """Departments in reading order, each with its channel's id when the one
    asking may read it (a closed one's only for its people)."""
    me = ctx.user
    stmt = (
        select(Department, Channel, Membership.user_id)
        .join(Channel, col(Channel.department_id) == col(Department.id))
        .outerjoin(
            Membership,
            (col(Membership.channel_id) == col(Channel.id)) & (Membership.user_id == me.id),
        )
    )
    if only is not None:
        stmt = stmt.where(Department.id == only)
    rows = (await db.exec(stmt)).all()
    counts = await people_in(db, [d.id for d, _, _ in rows if d.id is not None])
    found = []
    for department, channel, member in rows:
        assert department.id is not None
        v = viewer(me, is_member=member is not None, created_by=None, is_private=channel.is_private)
        found.append(
            DepartmentPublic(
                id=department.id,
                name=department.name,
                reading=department.reading,
                closed=channel.is_private,
                channel_id=channel.id if can_read(channel.kind, v) else None,
                people=counts.get(department.id, 0),
            )
        )
    found.sort(key=lambda d: (sort_key(d.name, d.reading), d.id))
    return found


async def _one_department(ctx: Ctx, department_id: int) -> DepartmentPublic:
    async with ctx.services.db.reader() as db:
        found = await departments_public(ctx, db, department_id)
    if not found:
        raise NotFoundError("no such department")
    return found[0]


@api.route(
    "GET",
    "/api/departments",
    summary="All departments, in reading order",
    returns=list[DepartmentPublic],
)
async def list_departments(ctx: Ctx) -> list[DepartmentPublic]:
    async with ctx.services.db.reader() as db:
        return await departments_public(ctx, db)


@api.route(
    "POST",
    "/api/departments",
    summary="Create a department and its channel, closed unless `closed` is false (admins)",
    body=DepartmentCreate,
    returns=DepartmentPublic,
    status=201,
    role="admin",
)
async def create_department(ctx: Ctx) -> DepartmentPublic:
    dept = await ctx.services.act(do_create_department, ctx.user, ctx.body)
    return await _one_department(ctx, dept.id or 0)


@api.route(
    "PATCH",
    "/api/departments/{department_id:id}",
    summary="Rename a department, set its reading, close or open it (admins)",
    body=DepartmentUpdate,
    returns=DepartmentPublic,
    role="admin",
)
async def update_department(ctx: Ctx) -> DepartmentPublic:
    department_id = ctx.path_int("department_id")
    await ctx.services.act(do_update_department, ctx.user, department_id, ctx.body)
    return await _one_department(ctx, department_id)


@api.route(
    "DELETE",
    "/api/departments/{department_id:id}",
    summary="Delete a department nobody is in; its channel is archived (admins)",
    role="admin",
)
async def delete_department(ctx: Ctx) -> None:
    await ctx.services.act(do_delete_department, ctx.user, ctx.path_int("department_id"))


@api.route(
    "POST",
    "/api/departments/{department_id:id}/merge",
    summary="Move a department's people into another and delete it; its channel is archived",
    body=DepartmentMerge,
    returns=DepartmentPublic,
    role="admin",
)
async def merge_department(ctx: Ctx) -> DepartmentPublic:
    into = ctx.body.into
    await ctx.services.act(do_merge_department, ctx.user, ctx.path_int("department_id"), into)
    return await _one_department(ctx, into)
