"""Credentials: password hashing, browser sessions, API tokens, invitations and
sign-in throttling. Secrets are random tokens given to the user once; only their
SHA-256 lives in the database, so a leaked table opens no account."""

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
from core.errors import (
    ConflictError,
    InvalidError,
    NotFoundError,
    RateLimitedError,
    UnauthorizedError,
)
from org.models import ApiToken, AuthSession, Invite, LoginFailure, Role, User

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


MAX_EMAIL_CHARS = 254  # the email columns' length


def normalise_email(email: str) -> str:
    """Trimmed and lowercased. Lowercasing can lengthen it (U+0130 becomes two
    characters), past what the columns hold: refused here, as the bound on
    what is sent cannot see it."""
    normal = email.strip().lower()
    if len(normal) > MAX_EMAIL_CHARS:
        raise InvalidError(f"email: at most {MAX_EMAIL_CHARS} characters")
    return normal


async def sign_in(db: AsyncSession, email: str, password: str) -> tuple[User, str, AuthSession]:
    """Check a password and open a session.

    Returns:
        The user, the session token for the cookie, and the session row.
    Raises:
        RateLimitedError: too many recent failures for this email.
        UnauthorizedError: wrong email, wrong password or inactive account (one message for all).
    """
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
        await db.commit()
        raise UnauthorizedError("wrong email or password")
    await db.exec(delete(LoginFailure).where(col(LoginFailure.email) == email))
    token, session = await open_session(db, user)
    return user, token, session


async def open_session(db: AsyncSession, user: User) -> tuple[str, AuthSession]:
    assert user.id is not None
    token = new_secret()
    session = AuthSession(
        token_hash=digest(token),
        user_id=user.id,
        csrf_token=new_secret(),
        expires_at=utcnow() + SESSION_LIFETIME,
    )
    db.add(session)
    await db.commit()
    return token, session


async def sign_out(db: AsyncSession, token: str) -> None:
    await db.exec(delete(AuthSession).where(col(AuthSession.token_hash) == digest(token)))
    await db.commit()


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


async def create_api_token(db: AsyncSession, user: User, name: str) -> tuple[str, ApiToken]:
    assert user.id is not None
    token = "kt_" + new_secret()
    row = ApiToken(user_id=user.id, name=name, token_hash=digest(token))
    db.add(row)
    await db.commit()
    await db.refresh(row)
    return token, row


async def create_invite(
    db: AsyncSession,
    *,
    created_by: User | None,
    email: str | None = None,
    department_id: int | None = None,
    role: Role = Role.member,
) -> str:
    token = new_secret()
    db.add(
        Invite(
            token_hash=digest(token),
            email=normalise_email(email) if email else None,
            department_id=department_id,
            role=role.value,
            created_by=created_by.id if created_by else None,
            expires_at=utcnow() + INVITE_LIFETIME,
        )
    )
    await db.commit()
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
