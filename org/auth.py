"""Credentials: sign-in, browser sessions, API tokens, invitations and password
resets. Secrets are random tokens given to the person once; only their SHA-256
lives in the database, so a leaked table opens no account. Passwords:
org/passwords.py; throttling: org/throttle.py.

Ending a credential (signing out, ending a session from the list, revoking a
token, changing one's password) also closes the live connections opened with
it, on every node: a ``Kick`` for that credential goes out after the unit
commits, its reason a code clients show in their person's language
(``signed_out``, ``session_ended``, ``password_changed``, ``token_revoked``;
docs/protocol.md, "Close codes").

Writes take a unit of work (streams/unit.py) and never commit themselves: the
caller's unit commits them, with whatever else it does."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import delete, func, or_, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bus.base import CONTROL_TOPIC
from bus.messages import Kick
from core.clock import iso, utcnow
from core.errors import ConflictError, InvalidError, NotFoundError, SuspendedError
from org import throttle
from org.facts import InviteCreated, InviteRevoked, ResetLinkCreated, SignedIn, SignInFailed
from org.models import ApiToken, AuthSession, Invite, PasswordReset, Role, User
from org.passwords import WrongPasswordError, hash_password, password_ok, require_strong
from streams.unit import Unit

SESSION_LIFETIME = timedelta(days=14)
INVITE_LIFETIME = timedelta(days=7)
RESET_LIFETIME = timedelta(hours=24)
# A first password (an account imported without one) may wait longer for its owner.
WELCOME_LIFETIME = timedelta(days=14)
TOKEN_LIFETIME = timedelta(days=90)  # unless asked otherwise, at most a year
MAX_TOKENS = 20  # per person
# How stale "last used" may get before a request writes it again.
TOUCH_EVERY = timedelta(minutes=1)


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def short_id(token_hash: str) -> str:
    """How a session is named to its owner (never its digest, never its token)."""
    return token_hash[:16]


MAX_EMAIL_CHARS = 254  # the email columns' length


def normalise_email(email: str) -> str:
    """Trimmed and lowercased. Lowercasing can lengthen it (U+0130 becomes two
    characters), past what the columns hold: refused here, as the bound on
    what is sent cannot see it."""
    normal = email.strip().lower()
    if len(normal) > MAX_EMAIL_CHARS:
        raise InvalidError(f"email: at most {MAX_EMAIL_CHARS} characters")
    return normal


@dataclass(frozen=True, slots=True)
class Client:
    """Where a request comes from, as sessions record it."""

    address: str
    user_agent: str | None = None


def _kick(unit: Unit, user_id: int, token_hash: str, reason: str) -> None:
    unit.send_after_commit(CONTROL_TOPIC, Kick(user=user_id, credential=token_hash, reason=reason))


# ---- sign-in and sessions ---------------------------------------------------------


async def sign_in(
    unit: Unit, email: str, password: str, client: Client
) -> tuple[User, str, AuthSession] | SuspendedError | None:
    """Check a password and open a session.

    Every try, made or failed, is noted (``signin.succeeded``, ``signin.failed``:
    the audit log records them) in this unit, which commits either way.

    Returns:
        The user, the session token for the cookie, and the session row; None
        for a wrong email, a wrong password or an inactive account (one answer,
        in the same time, for all), whose failure is recorded in this unit.
    Raises:
        RateLimitedError: this try comes too soon after failed ones (org/throttle.py).
        SuspendedError: the password is right but the account is suspended
            (until ``details.until``); noted as failed.
    """
    db = unit.db
    email = normalise_email(email)
    await throttle.check(db, email, client.address)
    user = (await db.exec(select(User).where(User.email == email))).first()
    ok = await password_ok(user.password_hash if user is not None else None, password)
    if user is None or not ok or not user.is_active:
        throttle.record(db, email, client.address)
        reason = "unknown_email" if user is None else "wrong_password" if not ok else "deactivated"
        unit.note(
            SignInFailed(
                email=email,
                address=client.address,
                reason=reason,
                user_id=user.id if user is not None else None,
            )
        )
        return None
    assert user.id is not None
    until = user.suspended_at(utcnow())
    if until is not None:
        unit.note(
            SignInFailed(email=email, address=client.address, reason="suspended", user_id=user.id)
        )
        return SuspendedError(iso(until) or "")
    await throttle.clear(db, email, client.address)
    token, session = await open_session(unit, user, client)
    return user, token, session


async def open_session(unit: Unit, user: User, client: Client) -> tuple[str, AuthSession]:
    """A new session for ``user`` (signing in, accepting an invitation, using a
    password link), noted as ``signin.succeeded``."""
    assert user.id is not None
    unit.note(
        SignedIn(
            user_id=user.id,
            email=user.email,
            display_name=user.display_name,
            address=client.address,
        )
    )
    token = new_secret()
    now = utcnow()
    session = AuthSession(
        token_hash=digest(token),
        user_id=user.id,
        csrf_token=new_secret(),
        expires_at=now + SESSION_LIFETIME,
        last_used_at=now,
        address=client.address,
        user_agent=(client.user_agent or "")[:300] or None,
    )
    unit.db.add(session)
    return token, session


async def sign_out(unit: Unit, token: str) -> None:
    session = await unit.db.get(AuthSession, digest(token))
    if session is not None:
        await unit.db.delete(session)
        _kick(unit, session.user_id, session.token_hash, "signed_out")


async def sessions_of(db: AsyncSession, user: User) -> list[AuthSession]:
    rows = await db.exec(
        select(AuthSession)
        .where(AuthSession.user_id == user.id, col(AuthSession.expires_at) > utcnow())
        .order_by(col(AuthSession.last_used_at).desc())
    )
    return list(rows.all())


async def end_session(unit: Unit, user: User, session_id: str) -> None:
    """End one of one's own sessions (named by ``short_id``); its sockets close."""
    rows = (
        await unit.db.exec(
            select(AuthSession).where(
                AuthSession.user_id == user.id,
                col(AuthSession.token_hash).startswith(session_id),
            )
        )
    ).all()
    if len(session_id) != 16 or len(rows) != 1:
        raise NotFoundError("no such session")
    await unit.db.delete(rows[0])
    _kick(unit, rows[0].user_id, rows[0].token_hash, "session_ended")


async def end_other_sessions(unit: Unit, user: User, keep: str | None) -> None:
    """End every session of ``user`` but the one whose digest is ``keep``."""
    for session in await sessions_of(unit.db, user):
        if session.token_hash != keep:
            await unit.db.delete(session)
            _kick(unit, session.user_id, session.token_hash, "password_changed")


async def user_for_session(db: AsyncSession, token: str) -> tuple[User, AuthSession] | None:
    row = (
        await db.exec(
            select(User, AuthSession)
            .join(AuthSession, col(AuthSession.user_id) == col(User.id))
            .where(AuthSession.token_hash == digest(token), col(AuthSession.expires_at) > utcnow())
        )
    ).first()
    if row is None or not row[0].is_active or row[0].suspended_at(utcnow()) is not None:
        return None
    return row[0], row[1]


def _not_suspended(now: datetime) -> object:
    return or_(col(User.suspended_until).is_(None), col(User.suspended_until) <= now)


def _token_alive() -> object:
    return or_(col(ApiToken.expires_at).is_(None), col(ApiToken.expires_at) > utcnow())


async def user_for_token(db: AsyncSession, token: str) -> tuple[User, ApiToken] | None:
    row = (
        await db.exec(
            select(User, ApiToken)
            .join(ApiToken, col(ApiToken.user_id) == col(User.id))
            .where(ApiToken.token_hash == digest(token), _token_alive())  # type: ignore[arg-type]
        )
    ).first()
    if row is None or not row[0].is_active or row[0].suspended_at(utcnow()) is not None:
        return None
    return row[0], row[1]


async def touch(unit: Unit, token_hash: str, address: str) -> None:
    """Note that a credential was used (at most once a ``TOUCH_EVERY``)."""
    now = utcnow()
    stale = now - TOUCH_EVERY
    for table, extra in ((AuthSession, {"address": address}), (ApiToken, {})):
        await unit.db.exec(
            update(table)
            .where(
                col(table.token_hash) == token_hash,
                or_(col(table.last_used_at).is_(None), col(table.last_used_at) < stale),
            )
            .values(last_used_at=now, **extra)
        )


async def live_credentials(db: AsyncSession, digests: set[str]) -> dict[str, int]:
    """Of these credential digests, those still good (an unexpired session or
    token of an active person), with whose they are."""
    if not digests:
        return {}
    now = utcnow()
    sessions = await db.exec(
        select(AuthSession.token_hash, AuthSession.user_id)
        .join(User, col(User.id) == col(AuthSession.user_id))
        .where(
            col(AuthSession.token_hash).in_(digests),
            col(AuthSession.expires_at) > now,
            col(User.is_active),
            _not_suspended(now),  # type: ignore[arg-type]
        )
    )
    tokens = await db.exec(
        select(ApiToken.token_hash, ApiToken.user_id)
        .join(User, col(User.id) == col(ApiToken.user_id))
        .where(
            col(ApiToken.token_hash).in_(digests),
            col(User.is_active),
            _token_alive(),  # type: ignore[arg-type]
            _not_suspended(now),  # type: ignore[arg-type]
        )
    )
    return {d: u for d, u in [*sessions.all(), *tokens.all()]}


# ---- API tokens -------------------------------------------------------------------


async def create_api_token(
    unit: Unit, user: User, name: str, lifetime: timedelta = TOKEN_LIFETIME
) -> tuple[str, ApiToken]:
    assert user.id is not None
    count = (
        await unit.db.exec(
            select(func.count()).select_from(ApiToken).where(ApiToken.user_id == user.id)
        )
    ).one()
    if count >= MAX_TOKENS:
        raise ConflictError(f"at most {MAX_TOKENS} tokens: revoke one you no longer use")
    token = "kt_" + new_secret()
    row = ApiToken(
        user_id=user.id, name=name, token_hash=digest(token), expires_at=utcnow() + lifetime
    )
    unit.db.add(row)
    await unit.db.flush()
    return token, row


async def tokens_of(db: AsyncSession, user: User) -> list[ApiToken]:
    rows = await db.exec(
        select(ApiToken).where(ApiToken.user_id == user.id).order_by(col(ApiToken.id))
    )
    return list(rows.all())


async def revoke_token(unit: Unit, user: User, token_id: int) -> None:
    row = await unit.db.get(ApiToken, token_id)
    if row is None or row.user_id != user.id:
        raise NotFoundError("no such token")
    await unit.db.delete(row)
    _kick(unit, row.user_id, row.token_hash, "token_revoked")


# ---- passwords --------------------------------------------------------------------


async def set_password(unit: Unit, user: User, password: str) -> None:
    await require_strong(password, user.email, user.display_name)
    user.password_hash = await hash_password(password)
    unit.db.add(user)


async def change_password(
    unit: Unit, user: User, current: str, new: str, keep_session: str | None
) -> None:
    """One's own password, knowing the current one; every other session ends."""
    fresh = await unit.db.get(User, user.id)
    if fresh is None or not await password_ok(fresh.password_hash, current):
        raise WrongPasswordError("the current password is not right")
    await set_password(unit, fresh, new)
    await end_other_sessions(unit, fresh, keep_session)


def reset_lifetime(user: User) -> timedelta:
    """How long a password link of ``user``'s works: a reset a day; a first
    password (an account without one yet) two weeks."""
    return WELCOME_LIFETIME if user.password_hash is None else RESET_LIFETIME


def new_reset(user: User, created_by: int | None) -> tuple[str, PasswordReset]:
    """A password link's token and row (the caller adds the row to its unit)."""
    assert user.id is not None
    token = new_secret()
    row = PasswordReset(
        token_hash=digest(token),
        user_id=user.id,
        created_by=created_by,
        expires_at=utcnow() + reset_lifetime(user),
    )
    return token, row


async def create_reset(unit: Unit, user: User, created_by: User | None) -> str:
    """A one-time link with which ``user`` chooses a password (a new one, or their
    first: accounts imported without one); earlier links of theirs die."""
    assert user.id is not None
    await unit.db.exec(
        delete(PasswordReset).where(
            col(PasswordReset.user_id) == user.id, col(PasswordReset.used_at).is_(None)
        )
    )
    token, row = new_reset(user, created_by.id if created_by else None)
    unit.db.add(row)
    if created_by is not None:
        unit.note(
            ResetLinkCreated(user_id=user.id, email=user.email, display_name=user.display_name)
        )
    return token


async def open_reset(db: AsyncSession, token: str) -> tuple[PasswordReset, User]:
    """The unused, unexpired reset behind a link, and whose it is (active only)."""
    row = (
        await db.exec(
            select(PasswordReset, User)
            .join(User, col(User.id) == col(PasswordReset.user_id))
            .where(
                PasswordReset.token_hash == digest(token),
                col(PasswordReset.used_at).is_(None),
                col(PasswordReset.expires_at) > utcnow(),
                col(User.is_active),
            )
            .with_for_update(of=PasswordReset)
        )
    ).first()
    if row is None:
        raise NotFoundError("this link is not valid, has expired or was already used")
    return row[0], row[1]


async def use_reset(
    unit: Unit, token: str, password: str, client: Client
) -> tuple[User, str, AuthSession]:
    """Set the password from a reset link: every session ends, a new one opens."""
    reset, user = await open_reset(unit.db, token)
    reset.used_at = utcnow()
    unit.db.add(reset)
    await set_password(unit, user, password)
    await end_other_sessions(unit, user, None)
    session_token, session = await open_session(unit, user, client)
    return user, session_token, session


# ---- invitations ------------------------------------------------------------------


async def create_invite(
    unit: Unit,
    *,
    created_by: User | None,
    email: str | None = None,
    department_id: int | None = None,
    role: Role = Role.member,
    start_date: date | None = None,
) -> str:
    token = new_secret()
    unit.db.add(
        Invite(
            token_hash=digest(token),
            email=normalise_email(email) if email else None,
            department_id=department_id,
            role=role.value,
            start_date=start_date,
            created_by=created_by.id if created_by else None,
            expires_at=utcnow() + INVITE_LIFETIME,
        )
    )
    if created_by is not None:
        unit.note(
            InviteCreated(
                email=normalise_email(email) if email else None,
                role=role.value,
                department_id=department_id,
            )
        )
    return token


async def open_invite(db: AsyncSession, token: str) -> Invite:
    """The unused, unexpired invite behind a link, locked for use in this
    transaction. A setup link (the first administrator's) dies the moment any
    account exists."""
    invite = (
        await db.exec(
            select(Invite)
            .where(
                Invite.token_hash == digest(token),
                col(Invite.used_at).is_(None),
                col(Invite.expires_at) > utcnow(),
            )
            .with_for_update()
        )
    ).first()
    if invite is None or (invite.created_by is None and await user_count(db) > 0):
        raise NotFoundError("this invitation link is not valid or was already used")
    return invite


async def open_invites(db: AsyncSession) -> list[Invite]:
    rows = await db.exec(
        select(Invite)
        .where(col(Invite.used_at).is_(None), col(Invite.expires_at) > utcnow())
        .order_by(col(Invite.created_at).desc())
    )
    return list(rows.all())


async def revoke_invite(unit: Unit, invite_id: str) -> None:
    rows = (
        await unit.db.exec(
            select(Invite).where(
                col(Invite.token_hash).startswith(invite_id), col(Invite.used_at).is_(None)
            )
        )
    ).all()
    if len(invite_id) != 16 or len(rows) != 1:
        raise NotFoundError("no such invitation")
    await unit.db.delete(rows[0])
    unit.note(InviteRevoked(invite_id=invite_id, email=rows[0].email))


async def drop_setup_links(unit: Unit) -> None:
    """Once an account exists, no setup link may make another administrator."""
    await unit.db.exec(delete(Invite).where(col(Invite.created_by).is_(None)))


async def ensure_email_free(db: AsyncSession, email: str) -> None:
    if (await db.exec(select(User.id).where(User.email == email))).first() is not None:
        raise ConflictError("an account with this email exists")


async def user_count(db: AsyncSession) -> int:
    return (await db.exec(select(func.count()).select_from(User))).one()
