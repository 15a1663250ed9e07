"""Sign-in throttling that cannot be used to lock a colleague out.

Failures are recorded with the email tried and the client's address, and
counted over a window. Guessing is slowed, never stopped for good:

- by account *and* address: after ``FREE_PER_PAIR`` failures for one email from
  one address, each further try must wait a delay that doubles with every
  failure (1 s, 2 s, 4 s … up to ``MAX_DELAY``);
- by address alone: the same from ``FREE_PER_ADDRESS`` failures across any
  accounts (one machine trying many emails).

The account's owner, signing in from another address, is never held up by
someone else's guesses. A success clears that pair's failures. Checks for one
(email, address) run one at a time (a transaction-scoped lock on PostgreSQL;
SQLite's one writer on the embedded default), so parallel guesses cannot all
slip in before the first failure is counted.
"""

from __future__ import annotations

import hashlib
import math
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, text
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from core.clock import utcnow
from core.errors import RateLimitedError
from org.models import LoginFailure

WINDOW = timedelta(minutes=15)
FREE_PER_PAIR = 5
FREE_PER_ADDRESS = 50
MAX_DELAY = timedelta(minutes=5)


def delay_after(failures: int, free: int) -> timedelta:
    """How long the next try waits after ``failures`` recent ones."""
    if failures < free:
        return timedelta(0)
    return min(timedelta(seconds=2 ** (failures - free)), MAX_DELAY)


async def _recent(db: AsyncSession, *where: object) -> tuple[int, datetime | None]:
    count, last = (
        await db.exec(
            select(func.count(), func.max(LoginFailure.at)).where(
                col(LoginFailure.at) > utcnow() - WINDOW,
                *where,  # type: ignore[arg-type]
            )
        )
    ).one()
    return int(count), last


async def check(db: AsyncSession, email: str, address: str) -> None:
    """Wait your turn: raises ``RateLimitedError`` (with the seconds to wait) if
    this try comes too soon after failures."""
    if db.get_bind().dialect.name == "postgresql":
        key = int.from_bytes(hashlib.sha256(f"{email}|{address}".encode()).digest()[:8], "big")
        await db.exec(text("SELECT pg_advisory_xact_lock(:k)").bindparams(k=key - 2**63))  # type: ignore[call-overload]
    now = utcnow()
    waits = []
    for where, free in (
        ((LoginFailure.email == email, LoginFailure.address == address), FREE_PER_PAIR),
        ((LoginFailure.address == address,), FREE_PER_ADDRESS),
    ):
        count, last = await _recent(db, *where)
        if last is not None:
            waits.append((_aware(last) + delay_after(count, free) - now).total_seconds())
    wait = max(waits, default=0.0)
    if wait > 0:
        seconds = math.ceil(wait)
        raise RateLimitedError(
            f"too many failed sign-ins: try again in {seconds} s", retry_after=seconds
        )


def record(db: AsyncSession, email: str, address: str) -> None:
    db.add(LoginFailure(email=email, address=address))


async def clear(db: AsyncSession, email: str, address: str) -> None:
    await db.exec(
        delete(LoginFailure).where(
            col(LoginFailure.email) == email, col(LoginFailure.address) == address
        )
    )


def _aware(at: datetime) -> datetime:
    """SQLite gives naive UTC datetimes back from a MAX()."""
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)
