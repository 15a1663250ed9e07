"""One-time links for accounts that have no password yet (people imported from
a CSV file): the admin hands each person their link; opening it, they choose a
password, and from then on sign in as everyone does. Like invitations, the
token is given out once and only its SHA-256 is stored.

A link works once, for ``LINK_LIFETIME``, and only while the account is active
and still has no password; issuing a new one retires the older ones.

Writes take a unit of work (streams/unit.py) and never commit themselves."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from core.clock import utcnow
from core.errors import ConflictError, NotFoundError
from org.auth import digest, new_secret
from org.models import AccountLink, User
from org.passwords import hash_password, require_strong
from streams.unit import Unit

LINK_LIFETIME = timedelta(days=14)


def new_link(user_id: int, created_by: int | None) -> tuple[str, AccountLink]:
    """A link for one account (the caller adds the row to its unit)."""
    token = new_secret()
    row = AccountLink(
        token_hash=digest(token),
        user_id=user_id,
        created_by=created_by,
        expires_at=utcnow() + LINK_LIFETIME,
    )
    return token, row


async def issue_link(unit: Unit, user: User, created_by: int | None) -> str:
    """A new link for an account without a password; older ones stop working.

    Raises:
        ConflictError: the account already has a password.
    """
    assert user.id is not None
    if user.password_hash is not None:
        raise ConflictError("this person has chosen a password already")
    await unit.db.exec(
        update(AccountLink)
        .where(col(AccountLink.user_id) == user.id, col(AccountLink.used_at).is_(None))
        .values(used_at=utcnow())
    )
    token, row = new_link(user.id, created_by)
    unit.db.add(row)
    return token


async def open_link(db: AsyncSession, token: str, *, lock: bool = False) -> User:
    """The account behind a link that still works (locked for use, asked to)."""
    stmt = (
        select(User, AccountLink)
        .join(AccountLink, col(AccountLink.user_id) == col(User.id))
        .where(
            AccountLink.token_hash == digest(token),
            col(AccountLink.used_at).is_(None),
            col(AccountLink.expires_at) > utcnow(),
            col(User.is_active),
            col(User.password_hash).is_(None),
        )
    )
    if lock:
        stmt = stmt.with_for_update()
    row = (await db.exec(stmt)).first()
    if row is None:
        raise NotFoundError("this link is not valid or was already used")
    return row[0]


async def choose_password(unit: Unit, token: str, password: str) -> User:
    """Use a link: the account gets its password and the link is spent."""
    user = await open_link(unit.db, token, lock=True)
    await require_strong(password, user.email, user.display_name)
    user.password_hash = await hash_password(password)
    unit.db.add(user)
    await unit.db.exec(
        update(AccountLink)
        .where(col(AccountLink.user_id) == user.id, col(AccountLink.used_at).is_(None))
        .values(used_at=utcnow())
    )
    return user
