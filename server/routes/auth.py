"""Sign-in, sign-out, the current session, invitations and API tokens."""

from __future__ import annotations

from pydantic import BaseModel
from starlette.responses import JSONResponse, Response

from channels.actions import do_create_user
from core.clock import utcnow
from core.errors import InvalidError, UnauthorizedError
from org import auth
from org.models import (
    Department,
    InviteAccept,
    Role,
    SignIn,
    TokenCreate,
    User,
    UserCreate,
    UserPublic,
)
from server.api import SESSION_COOKIE, Ctx, api, jsonable
from server.services import Services


class SessionInfo(BaseModel):
    user: UserPublic
    csrf_token: str | None


class SetupState(BaseModel):
    needs_setup: bool


class InviteInfo(BaseModel):
    email: str | None
    role: str
    department: str | None
    first_admin: bool


class TokenIssued(BaseModel):
    id: int
    name: str
    token: str


async def user_public(services: Services, user: User) -> UserPublic:
    dept = None
    if user.department_id is not None:
        async with services.db.reader() as db:
            found = await db.get(Department, user.department_id)
            dept = found.name if found else None
    return to_public(user, dept)


def to_public(user: User, department: str | None) -> UserPublic:
    assert user.id is not None
    return UserPublic(
        id=user.id,
        email=user.email,
        display_name=user.display_name,
        department_id=user.department_id,
        department=department,
        role=user.role,
        is_active=user.is_active,
    )


def _signed_in(ctx: Ctx, user: User, token: str, csrf: str, dept: str | None) -> JSONResponse:
    info = SessionInfo(user=to_public(user, dept), csrf_token=csrf)
    response = JSONResponse(jsonable(info))
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(auth.SESSION_LIFETIME.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=ctx.services.settings.cookie_secure,
        path="/",
    )
    return response


@api.route(
    "POST",
    "/api/session",
    summary="Sign in with email and password",
    body=SignIn,
    returns=SessionInfo,
    auth=False,
)
async def sign_in(ctx: Ctx) -> JSONResponse:
    async with ctx.services.db.writer() as db:
        user, token, session = await auth.sign_in(db, ctx.body.email, ctx.body.password)
    public = await user_public(ctx.services, user)
    return _signed_in(ctx, user, token, session.csrf_token, public.department)


@api.route("GET", "/api/session", summary="Who is signed in", returns=SessionInfo)
async def current_session(ctx: Ctx) -> SessionInfo:
    assert ctx.principal is not None
    session = ctx.principal.session
    return SessionInfo(
        user=await user_public(ctx.services, ctx.user),
        csrf_token=session.csrf_token if session else None,
    )


@api.route("DELETE", "/api/session", summary="Sign out", auth=False)
async def sign_out(ctx: Ctx) -> Response:
    token = ctx.request.cookies.get(SESSION_COOKIE)
    if token:
        async with ctx.services.db.writer() as db:
            await auth.sign_out(db, token)
        ctx.services.auth_cache.forget(token)
    response = Response(status_code=204)  # no body at all: not even JSON's null
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@api.route(
    "GET",
    "/api/setup",
    summary="Whether the first administrator is still to be created",
    returns=SetupState,
    auth=False,
)
async def setup_state(ctx: Ctx) -> SetupState:
    async with ctx.services.db.reader() as db:
        return SetupState(needs_setup=await auth.user_count(db) == 0)


@api.route(
    "GET",
    "/api/invites/{token}",
    summary="What an invitation link offers",
    returns=InviteInfo,
    auth=False,
)
async def invite_info(ctx: Ctx) -> InviteInfo:
    async with ctx.services.db.reader() as db:
        invite = await auth.open_invite(db, ctx.request.path_params["token"])
        dept = await db.get(Department, invite.department_id) if invite.department_id else None
        first = await auth.user_count(db) == 0
    return InviteInfo(
        email=invite.email,
        role=invite.role,
        department=dept.name if dept else None,
        first_admin=first,
    )


@api.route(
    "POST",
    "/api/invites/{token}/accept",
    summary="Create one's account from an invitation link, and sign in",
    body=InviteAccept,
    returns=SessionInfo,
    auth=False,
)
async def accept_invite(ctx: Ctx) -> JSONResponse:
    data: InviteAccept = ctx.body
    services = ctx.services
    async with services.db.writer() as db:
        invite = await auth.open_invite(db, ctx.request.path_params["token"])
        if invite.email and auth.normalise_email(data.email) != invite.email:
            raise InvalidError("this invitation is for another email address")
        invite.used_at = utcnow()
        db.add(invite)
        user = await do_create_user(
            db,
            services.bus,
            None,
            UserCreate(
                email=data.email,
                display_name=data.display_name,
                password=data.password,
                department_id=invite.department_id,
                role=Role(invite.role),
            ),
        )
        token, session = await auth.open_session(db, user)
    public = await user_public(services, user)
    return _signed_in(ctx, user, token, session.csrf_token, public.department)


@api.route(
    "POST",
    "/api/tokens",
    summary="Create a personal API token (shown once)",
    body=TokenCreate,
    returns=TokenIssued,
    status=201,
)
async def create_token(ctx: Ctx) -> TokenIssued:
    if ctx.principal is None or ctx.principal.session is None:
        raise UnauthorizedError("create tokens from a signed-in browser session")
    async with ctx.services.db.writer() as db:
        token, row = await auth.create_api_token(db, ctx.user, ctx.body.name)
    assert row.id is not None
    return TokenIssued(id=row.id, name=row.name, token=token)
