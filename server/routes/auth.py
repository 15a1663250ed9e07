"""Sign-in, sign-out, the current session, first-run setup, accepting an
invitation, and setting a password from a reset link (one's own or a
forgotten one). Listing and ending sessions and tokens: server/routes/credentials.py."""

from __future__ import annotations

from pydantic import BaseModel, Field
from sqlmodel import select
from starlette.responses import JSONResponse, Response

from channels.actions.people import create_user
from core.clock import utcnow
from core.errors import InvalidError, SuspendedError, UnauthorizedError
from core.schema import StrictModel
from onboarding.welcome import do_sign_in_welcome
from org import auth, terms, throttle
from org.models import (
    AuthSession,
    Department,
    InviteAccept,
    Role,
    SignIn,
    User,
    UserCreate,
    UserPublic,
)
from org.newcomers import is_newcomer
from org.terms import TermsState
from server.api import SESSION_COOKIE, Ctx, api, client_address, jsonable
from server.services import Services
from streams.unit import Unit


class SessionInfo(BaseModel):
    user: UserPublic
    csrf_token: str | None
    # This sign-in was the first of a newcomer (or of one who starts soon):
    # the browser opens their welcome page (onboarding/welcome.py).
    welcome: bool = False
    # Where one stands with the terms of use (GET /api/session only).
    terms: TermsState | None = None


class SetupState(BaseModel):
    needs_setup: bool


class InviteInfo(BaseModel):
    email: str | None
    role: str
    department: str | None
    first_admin: bool


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
        newcomer=is_newcomer(user),
    )


async def _signed_in(ctx: Ctx, user: User, token: str, csrf: str, dept: str | None) -> JSONResponse:
    # The first sign-in is noted, and a newcomer whose day has come is
    # welcomed in their department's channel (once, whichever node).
    first = await ctx.services.act(do_sign_in_welcome, user)
    info = SessionInfo(user=to_public(user, dept), csrf_token=csrf, welcome=first)
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
    client = client_of(ctx)
    opened = await ctx.services.write(
        lambda unit: auth.sign_in(unit, ctx.body.email, ctx.body.password, client)
    )
    if opened is None:
        raise UnauthorizedError("wrong email or password")
    if isinstance(opened, SuspendedError):
        raise opened
    user, token, session = opened
    public = await user_public(ctx.services, user)
    return await _signed_in(ctx, user, token, session.csrf_token, public.department)


@api.route("GET", "/api/session", summary="Who is signed in", returns=SessionInfo)
async def current_session(ctx: Ctx) -> SessionInfo:
    assert ctx.principal is not None
    session = ctx.principal.session
    async with ctx.services.db.reader() as db:
        standing = await terms.state(db, ctx.user)
    return SessionInfo(
        user=await user_public(ctx.services, ctx.user),
        csrf_token=session.csrf_token if session else None,
        terms=standing,
    )


@api.route("DELETE", "/api/session", summary="Sign out", auth=False)
async def sign_out(ctx: Ctx) -> Response:
    token = ctx.request.cookies.get(SESSION_COOKIE)
    if token:
        await ctx.services.write(lambda unit: auth.sign_out(unit, token))
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

    async def accept(unit: Unit) -> tuple[User, str, AuthSession]:
        invite = await auth.open_invite(unit.db, ctx.request.path_params["token"])
        if invite.email and auth.normalise_email(data.email) != invite.email:
            raise InvalidError("this invitation is for another email address")
        invite.used_at = utcnow()
        unit.db.add(invite)
        user = await create_user(
            unit,
            UserCreate(
                email=data.email,
                display_name=data.display_name,
                password=data.password,
                department_id=invite.department_id,
                role=Role(invite.role),
                start_date=invite.start_date,
            ),
            how="invite" if invite.created_by is not None else "setup",
            acknowledged=data.acknowledge_warning,
        )
        if invite.created_by is None:  # the setup link: no other may make an admin now
            await auth.drop_setup_links(unit)
        token, session = await auth.open_session(unit, user, client)
        return user, token, session

    client = client_of(ctx)
    user, token, session = await services.write(accept)
    public = await user_public(services, user)
    return await _signed_in(ctx, user, token, session.csrf_token, public.department)


class ResetInfo(BaseModel):
    email: str
    display_name: str
    # No password yet (an account imported without one): the link chooses the first.
    first: bool


class NewPassword(StrictModel):
    password: str = Field(min_length=8, max_length=200)


class Forgotten(StrictModel):
    email: str = Field(min_length=3, max_length=254)


class ForgotAnswer(BaseModel):
    mailed: bool  # false: mail is off here; ask an administrator for a reset link


@api.route(
    "GET",
    "/api/resets/{token}",
    summary="Whose password a link sets (a reset, or an imported account's first)",
    returns=ResetInfo,
    auth=False,
)
async def reset_info(ctx: Ctx) -> ResetInfo:
    async with ctx.services.db.reader() as db:
        _, user = await auth.open_reset(db, ctx.request.path_params["token"])
    return ResetInfo(
        email=user.email, display_name=user.display_name, first=user.password_hash is None
    )


@api.route(
    "POST",
    "/api/resets/{token}",
    summary="Choose a new password from a reset link, and sign in (every other session ends)",
    body=NewPassword,
    returns=SessionInfo,
    auth=False,
)
async def use_reset(ctx: Ctx) -> JSONResponse:
    token, client, password = ctx.request.path_params["token"], client_of(ctx), ctx.body.password
    user, secret, session = await ctx.services.write(
        lambda unit: auth.use_reset(unit, token, password, client)
    )
    public = await user_public(ctx.services, user)
    return await _signed_in(ctx, user, secret, session.csrf_token, public.department)


@api.route(
    "POST",
    "/api/password/forgot",
    summary="Mail a reset link to this address if it has an account (when mail is on)",
    body=Forgotten,
    returns=ForgotAnswer,
    auth=False,
    status=202,
)
async def forgot_password(ctx: Ctx) -> ForgotAnswer:
    """Answers alike whether the email has an account or not (nothing to learn
    about who works here); sign-in throttling applies to the address."""
    services = ctx.services
    if not services.mailer.enabled:
        return ForgotAnswer(mailed=False)
    email = auth.normalise_email(ctx.body.email)
    client = client_of(ctx)

    async def reset(unit: Unit) -> tuple[User, str] | None:
        await throttle.check(unit.db, email, client.address)
        throttle.record(unit.db, email, client.address)  # a mail sent counts as a try
        user = (await unit.db.exec(select(User).where(User.email == email))).first()
        if user is None or not user.is_active:
            return None
        return user, await auth.create_reset(unit, user, None)

    made = await services.write(reset)
    if made is not None:
        user, token = made
        link = f"{services.settings.base_url}/#/reset/{token}"
        await services.mailer.send(user.email, RESET_SUBJECT, RESET_BODY.format(link=link))
    return ForgotAnswer(mailed=True)


RESET_SUBJECT = "Kaisha: パスワードの再設定 / Reset your password"
RESET_BODY = """Kaisha のパスワードを再設定するには、24時間以内に次のリンクを開いてください。
心当たりがなければ、このメールは無視してください。

To choose a new Kaisha password, open this link within 24 hours.
If you did not ask for it, ignore this mail.

{link}
"""


def client_of(ctx: Ctx) -> auth.Client:
    return auth.Client(client_address(ctx.request), ctx.request.headers.get("user-agent"))
