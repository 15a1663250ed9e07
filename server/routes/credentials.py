"""What one signs in with, seen and ended by its owner: sessions (browsers) and
API tokens (bots); one's password; and the administrator's side: reset links
and invitations. Ending any of them closes the live connections opened with it
on every node (org/auth.py)."""

from __future__ import annotations

from datetime import date, timedelta

from pydantic import BaseModel, Field
from starlette.responses import Response

from core.clock import iso
from core.errors import ForbiddenError, NotFoundError, UnauthorizedError
from core.schema import StrictModel
from org import auth
from org.models import TokenCreate, User
from server.api import SESSION_COOKIE, Ctx, api
from streams.unit import Unit

# ---- one's own sessions ------------------------------------------------------------


class SessionPublic(BaseModel):
    id: str
    created_at: str
    last_used_at: str | None
    user_agent: str | None
    address: str | None
    current: bool  # the session of this request


@api.route(
    "GET", "/api/me/sessions", summary="One's signed-in sessions", returns=list[SessionPublic]
)
async def my_sessions(ctx: Ctx) -> list[SessionPublic]:
    current = ctx.principal.session.token_hash if ctx.principal and ctx.principal.session else None
    async with ctx.services.db.reader() as db:
        rows = await auth.sessions_of(db, ctx.user)
    return [
        SessionPublic(
            id=auth.short_id(s.token_hash),
            created_at=iso(s.created_at) or "",
            last_used_at=iso(s.last_used_at),
            user_agent=s.user_agent,
            address=s.address,
            current=s.token_hash == current,
        )
        for s in rows
    ]


@api.route(
    "DELETE",
    "/api/me/sessions/{session_id}",
    summary="End one of one's sessions (its open tabs are signed out at once)",
)
async def end_session(ctx: Ctx) -> Response:
    user, session_id = ctx.user, ctx.request.path_params["session_id"]
    await ctx.services.write(lambda unit: auth.end_session(unit, user, session_id), user)
    response = Response(status_code=204)
    principal = ctx.principal
    if (
        principal
        and principal.session
        and auth.short_id(principal.session.token_hash) == session_id
    ):
        response.delete_cookie(SESSION_COOKIE, path="/")
    return response


# ---- one's password ----------------------------------------------------------------


class PasswordChange(StrictModel):
    current: str = Field(min_length=1, max_length=200)
    new: str = Field(min_length=8, max_length=200)


@api.route(
    "POST",
    "/api/me/password",
    summary="Change one's password (the current one needed); every other session ends",
    body=PasswordChange,
)
async def change_password(ctx: Ctx) -> None:
    principal = ctx.principal
    if principal is None or principal.session is None:
        raise UnauthorizedError("change your password from a signed-in browser session")
    keep, data, user = principal.session.token_hash, ctx.body, ctx.user
    await ctx.services.write(
        lambda unit: auth.change_password(unit, user, data.current, data.new, keep), user
    )


# ---- one's API tokens --------------------------------------------------------------


class TokenIssued(BaseModel):
    id: int
    name: str
    token: str
    expires_at: str | None


class TokenPublic(BaseModel):
    id: int
    name: str
    created_at: str
    last_used_at: str | None
    expires_at: str | None


@api.route(
    "POST",
    "/api/tokens",
    summary="Create a personal API token (shown once; expires in 1-365 days, 90 by default)",
    body=TokenCreate,
    returns=TokenIssued,
    status=201,
)
async def create_token(ctx: Ctx) -> TokenIssued:
    if ctx.principal is None or ctx.principal.session is None:
        raise UnauthorizedError("create tokens from a signed-in browser session")
    user, data = ctx.user, ctx.body
    lifetime = timedelta(days=data.expires_in_days)
    token, row = await ctx.services.write(
        lambda unit: auth.create_api_token(unit, user, data.name, lifetime), user
    )
    assert row.id is not None
    return TokenIssued(id=row.id, name=row.name, token=token, expires_at=iso(row.expires_at))


@api.route("GET", "/api/tokens", summary="One's API tokens", returns=list[TokenPublic])
async def my_tokens(ctx: Ctx) -> list[TokenPublic]:
    async with ctx.services.db.reader() as db:
        rows = await auth.tokens_of(db, ctx.user)
    return [
        TokenPublic(
            id=t.id or 0,
            name=t.name,
            created_at=iso(t.created_at) or "",
            last_used_at=iso(t.last_used_at),
            expires_at=iso(t.expires_at),
        )
        for t in rows
    ]


@api.route(
    "DELETE",
    "/api/tokens/{token_id:id}",
    summary="Revoke one of one's API tokens (its connections close at once)",
)
async def revoke_token(ctx: Ctx) -> None:
    user, token_id = ctx.user, ctx.path_int("token_id")
    await ctx.services.write(lambda unit: auth.revoke_token(unit, user, token_id), user)


# ---- administrators: reset links and invitations -----------------------------------


def _require_admin(user: User) -> None:
    if not user.is_admin:
        raise ForbiddenError("admins only")


class ResetIssued(BaseModel):
    url: str
    expires_in_hours: int


@api.route(
    "POST",
    "/api/users/{user_id:id}/reset-link",
    summary="A one-time link with which a person chooses a password: a new one, or the "
    "first of an account imported without one (admins)",
    returns=ResetIssued,
    status=201,
    role="admin",
)
async def reset_link(ctx: Ctx) -> ResetIssued:
    admin = ctx.user
    _require_admin(admin)
    user_id = ctx.path_int("user_id")

    async def make(unit: Unit) -> tuple[str, timedelta]:
        user = await unit.db.get(User, user_id)
        if user is None or not user.is_active:
            raise NotFoundError("no such person")
        return await auth.create_reset(unit, user, admin), auth.reset_lifetime(user)

    token, lifetime = await ctx.services.write(make, admin)
    base = str(ctx.request.base_url).rstrip("/")
    hours = int(lifetime.total_seconds() // 3600)
    return ResetIssued(url=f"{base}/#/reset/{token}", expires_in_hours=hours)


class InvitePublic(BaseModel):
    id: str
    email: str | None
    role: str
    department_id: int | None
    start_date: date | None = None  # the account's start date, once accepted
    created_at: str
    expires_at: str


@api.route(
    "GET",
    "/api/invites",
    summary="Invitation links not used yet (admins)",
    returns=list[InvitePublic],
    role="admin",
)
async def list_invites(ctx: Ctx) -> list[InvitePublic]:
    _require_admin(ctx.user)
    async with ctx.services.db.reader() as db:
        rows = await auth.open_invites(db)
    return [
        InvitePublic(
            id=auth.short_id(i.token_hash),
            email=i.email,
            role=i.role,
            department_id=i.department_id,
            start_date=i.start_date,
            created_at=iso(i.created_at) or "",
            expires_at=iso(i.expires_at) or "",
        )
        for i in rows
        if i.created_by is not None  # (setup links are not anyone's to hand out)
    ]


@api.route(
    "DELETE", "/api/invites/{invite_id}", summary="Revoke an invitation link (admins)", role="admin"
)
async def revoke_invite(ctx: Ctx) -> None:
    _require_admin(ctx.user)
    invite_id = ctx.request.path_params["invite_id"]
    await ctx.services.write(lambda unit: auth.revoke_invite(unit, invite_id), ctx.user)
