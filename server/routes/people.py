"""People, departments and the admin's account management."""

from __future__ import annotations

from pydantic import BaseModel
from sqlalchemy import func, or_
from sqlmodel import col, select

from channels.actions.people import (
    do_create_department,
    do_create_user,
    do_rename_department,
    do_update_user,
)
from core.errors import ForbiddenError, NotFoundError
from org import auth
from org.models import (
    Department,
    DepartmentCreate,
    DepartmentPublic,
    InviteCreate,
    User,
    UserCreate,
    UserPublic,
    UserUpdate,
)
from server.api import Ctx, Param, api
from server.routes.auth import to_public
from server.services import Services
from streams.unit import Unit


class PersonPublic(UserPublic):
    status: str


class InviteIssued(BaseModel):
    token: str
    url: str


def _require_admin(user: User) -> None:
    if not user.is_admin:
        raise ForbiddenError("admins only")


async def department_names(services: Services, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    async with services.db.reader() as db:
        rows = (
            await db.exec(select(Department.id, Department.name).where(col(Department.id).in_(ids)))
        ).all()
    return {i: n for i, n in rows if i is not None}


async def people_public(ctx: Ctx, users: list[User]) -> list[PersonPublic]:
    names = await department_names(
        ctx.services, {u.department_id for u in users if u.department_id}
    )
    statuses = await ctx.services.presence.statuses([u.id for u in users if u.id is not None])
    return [
        PersonPublic(
            **to_public(u, names.get(u.department_id or 0)).model_dump(),
            status=statuses.get(u.id or 0, "offline"),
        )
        for u in users
    ]


@api.route(
    "GET",
    "/api/users",
    summary="The people directory (name, department, online)",
    returns=list[PersonPublic],
    query=[Param("q", "match on name or email"), Param("department", "department id", "integer")],
)
async def list_users(ctx: Ctx) -> list[PersonPublic]:
    q = (ctx.request.query_params.get("q") or "").strip().lower()
    department = ctx.query_int("department")
    stmt = select(User)
    if not ctx.user.is_admin:
        stmt = stmt.where(col(User.is_active))
    if q:
        stmt = stmt.where(
            or_(func.lower(User.display_name).like(f"%{q}%"), func.lower(User.email).like(f"%{q}%"))
        )
    if department is not None:
        stmt = stmt.where(User.department_id == department)
    async with ctx.services.db.reader() as db:
        users = list((await db.exec(stmt.order_by(col(User.display_name)).limit(500))).all())
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


@api.route(
    "POST",
    "/api/users",
    summary="Create an account (admins)",
    body=UserCreate,
    returns=PersonPublic,
    status=201,
)
async def create_user(ctx: Ctx) -> PersonPublic:
    _require_admin(ctx.user)
    user = await ctx.services.act(do_create_user, ctx.user, ctx.body)
    return (await people_public(ctx, [user]))[0]


@api.route(
    "PATCH",
    "/api/users/{user_id:id}",
    summary="Change name, department, role or active flag (admins)",
    body=UserUpdate,
    returns=PersonPublic,
)
async def update_user(ctx: Ctx) -> PersonPublic:
    user = await ctx.services.act(do_update_user, ctx.user, ctx.path_int("user_id"), ctx.body)
    return (await people_public(ctx, [user]))[0]


@api.route(
    "POST",
    "/api/invites",
    summary="Create an invitation link (admins)",
    body=InviteCreate,
    returns=InviteIssued,
    status=201,
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
        )

    token = await ctx.services.write(invite, ctx.user)
    base = str(ctx.request.base_url).rstrip("/")
    return InviteIssued(token=token, url=f"{base}/#/invite/{token}")


@api.route("GET", "/api/departments", summary="All departments", returns=list[DepartmentPublic])
async def list_departments(ctx: Ctx) -> list[DepartmentPublic]:
    _ = ctx.user
    async with ctx.services.db.reader() as db:
        rows = (await db.exec(select(Department).order_by(col(Department.name)))).all()
    return [DepartmentPublic(id=d.id or 0, name=d.name) for d in rows]


@api.route(
    "POST",
    "/api/departments",
    summary="Create a department and its channel (admins)",
    body=DepartmentCreate,
    returns=DepartmentPublic,
    status=201,
)
async def create_department(ctx: Ctx) -> DepartmentPublic:
    dept = await ctx.services.act(do_create_department, ctx.user, ctx.body.name)
    return DepartmentPublic(id=dept.id or 0, name=dept.name)


@api.route(
    "PATCH",
    "/api/departments/{department_id:id}",
    summary="Rename a department (admins)",
    body=DepartmentCreate,
    returns=DepartmentPublic,
)
async def rename_department(ctx: Ctx) -> DepartmentPublic:
    dept = await ctx.services.act(
        do_rename_department, ctx.user, ctx.path_int("department_id"), ctx.body.name
    )
    return DepartmentPublic(id=dept.id or 0, name=dept.name)
