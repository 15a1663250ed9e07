"""Each person's private calendar feed: a URL with a secret token that a
calendar app subscribes to without a session. The token (256 random bits) is
shown once, when made; the database keeps its SHA-256 only. Renewing makes a
new one (the old URL stops at once); revoking removes it. One feed a person."""

from __future__ import annotations

import hashlib
import secrets

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from core.clock import iso, utcnow
from gatherings.models import CalendarFeed, FeedLink, aware
from org.models import User
from streams.unit import Unit

PATH = "/api/calendar/feeds/"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def status(db: AsyncSession, user: User) -> FeedLink:
    row = await db.get(CalendarFeed, user.id)
    if row is None:
        return FeedLink(exists=False)
    return FeedLink(exists=True, created_at=iso(aware(row.created_at)))


async def renew(unit: Unit, user: User, base_url: str) -> FeedLink:
    """A new token for ``user`` (the previous one, if any, stops working)."""
    assert user.id is not None
    token = secrets.token_urlsafe(32)
    row = await unit.db.get(CalendarFeed, user.id)
    if row is None:
        row = CalendarFeed(user_id=user.id, token_hash="")
    row.token_hash = _hash(token)
    row.created_at = utcnow()
    unit.db.add(row)
    return FeedLink(
        exists=True, url=base_url.rstrip("/") + PATH + token, created_at=iso(row.created_at)
    )


async def revoke(unit: Unit, user: User) -> None:
    row = await unit.db.get(CalendarFeed, user.id)
    if row is not None:
        await unit.db.delete(row)


async def owner(db: AsyncSession, token: str) -> User | None:
    """Whose feed a token opens: an active person's, or nobody's."""
    if not (20 <= len(token) <= 100):
        return None
    found = (
        await db.exec(
            select(User)
            .join(CalendarFeed, CalendarFeed.user_id == User.id)  # type: ignore[arg-type]
            .where(CalendarFeed.token_hash == _hash(token))
        )
    ).first()
    if found is None or not found.is_active:
        return None
    return found
