"""Credentials: password hashing, browser sessions, API tokens, invitations and
sign-in throttling. Secrets are random tokens given to the user once; only their
SHA-256 lives in the database, so a leaked table opens no account.

Writes take a unit of work (streams/unit.py) and never commit themselves: the
caller's unit commits them, with whatever else it does."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from core.clock import utcnow
from core.errors import ConflictError, NotFoundError, RateLimitedError
from org.models import ApiToken, AuthSession, Invite, LoginFailure, Role, User
from streams.unit import Unit

SESSION_LIFETIME = timedelta(days=14)
INVITE_LIFETIME = timedelta(days=7)
THROTTLE_WINDOW = timedelta(minutes=15)
THROTTLE_FAILURES = 5

_hasher = PasswordHasher()
# Verified against when the email is unknown, so a miss costs as much as a wrong
# password and timing does not tell which emails have accounts.
_DUMMY_HASH = _hasher.hash("not-a-real-password")


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def _password_ok(stored: str | None, password: str) -> bool:
    try:
        return _hasher.verify(stored or _DUMMY_HASH, password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


def normalise_email(email: str) -> str:
    return email.strip().lower()


async def sign_in(unit: Unit, email: str, password: str) -> tuple[User, str, AuthSession] | None:
    """Check a password and open a session.

    Returns:
        The user, the session token for the cookie, and the session row; None
        for a wrong email, a wrong password or an inactive account (one answer
        for all), whose failure is recorded in this unit.
    Raises:
        RateLimitedError: too many recent failures for this email.
    """
    db = unit.db
    email = normalise_email(email)
    since = utcnow() - THROTTLE_WINDOW
    failures = (
        await db.exec(
            select(func.count())
            .select_from(LoginFailure)
            .where(LoginFailure.email == email, col(LoginFailure.at) > since)
        )
    ).one()
    if failures >= THROTTLE_FAILURES:
        raise RateLimitedError("too many failed sign-ins; try again in 15 minutes")
    user = (await db.exec(select(User).where(User.email == email))).first()
    if user is None or not _password_ok(user.password_hash, password) or not user.is_active:
        db.add(LoginFailure(email=email))
        return None
    await db.exec(delete(LoginFailure).where(col(LoginFailure.email) == email))
    token, session = await open_session(unit, user)
    return user, token, session


async def open_session(unit: Unit, user: User) -> tuple[str, AuthSession]:
    assert user.id is not None
    token = new_secret()
    session = AuthSession(
        token_hash=digest(token),
        user_id=user.id,
        csrf_token=new_secret(),
        expires_at=utcnow() + SESSION_LIFETIME,
    )
    unit.db.add(session)
    return token, session


async def sign_out(unit: Unit, token: str) -> None:
    await unit.db.exec(delete(AuthSession).where(col(AuthSession.token_hash) == digest(token)))


async def user_for_session(db: AsyncSession, token: str) -> tuple[User, AuthSession] | None:
    row = (
        await db.exec(
            select(User, AuthSession)
            .join(AuthSession, col(AuthSession.user_id) == col(User.id))
            .where(AuthSession.token_hash == digest(token), col(AuthSession.expires_at) > utcnow())
        )
    ).first()
    if row is None or not row[0].is_active:
        return None
    return row[0], row[1]


async def user_for_token(db: AsyncSession, token: str) -> User | None:
    user = (
        await db.exec(
            select(User)
            .join(ApiToken, col(ApiToken.user_id) == col(User.id))
            .where(ApiToken.token_hash == digest(token))
        )
    ).first()
    return user if user is not None and user.is_active else None


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
        )
    )
    tokens = await db.exec(
        select(ApiToken.token_hash, ApiToken.user_id)
        .join(User, col(User.id) == col(ApiToken.user_id))
        .where(col(ApiToken.token_hash).in_(digests), col(User.is_active))
    )
    return {d: u for d, u in [*sessions.all(), *tokens.all()]}


async def create_api_token(unit: Unit, user: User, name: str) -> tuple[str, ApiToken]:
    assert user.id is not None
    token = "kt_" + new_secret()
    row = ApiToken(user_id=user.id, name=name, token_hash=digest(token))
    unit.db.add(row)
    await unit.db.flush()
    return token, row


async def create_invite(
    unit: Unit,
    *,
    created_by: User | None,
    email: str | None = None,
    department_id: int | None = None,
    role: Role = Role.member,
) -> str:
    token = new_secret()
    unit.db.add(
        Invite(
            token_hash=digest(token),
            email=normalise_email(email) if email else None,
            department_id=department_id,
            role=role.value,
            created_by=created_by.id if created_by else None,
            expires_at=utcnow() + INVITE_LIFETIME,
        )
    )
    return token


async def open_invite(db: AsyncSession, token: str) -> Invite:
    """The unused, unexpired invite behind a link, locked for use in this transaction."""
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
    if invite is None:
        raise NotFoundError("this invitation link is not valid or was already used")
    return invite


async def ensure_email_free(db: AsyncSession, email: str) -> None:
    if (await db.exec(select(User.id).where(User.email == email))).first() is not None:
        raise ConflictError("an account with this email exists")


async def user_count(db: AsyncSession) -> int:
    return (await db.exec(select(func.count()).select_from(User))).one()
