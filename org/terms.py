"""Terms of use (利用規約): versions admins publish, and who accepted which when.

- A version is numbered 1, 2, 3…, holds its text (the posts' light Markdown)
  and its HTML (rendered by the posts' renderer when published: the server
  hands it in, this package sits below channels), and is never changed:
  publishing again makes the next version.
- Each person's account keeps the last version they accepted
  (``account.terms_version``), and ``terms_acceptance`` keeps every
  acceptance with its time, for the admins' list.
- Writes (posts, comments, edits, likes) read the current version in the
  statement that reads their author (channels/actions/common.py) and refuse
  a person behind it with ``terms_not_accepted`` (403). No version published:
  nothing is asked of anyone.
- Publishing appends ``terms.published`` to every active person's own
  stream (their open tabs show the new terms at once); accepting appends
  ``terms.accepted`` to the person's own (their other tabs let them write
  again). Both carry the actor: the audit log follows them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar, Final

from pydantic import BaseModel
from pydantic import Field as PField
from sqlalchemy import Text, func
from sqlmodel import Column, Field, SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from core.clock import utcnow
from core.errors import ConflictError, DomainError, ForbiddenError, InvalidError
from core.schema import StrictModel
from org.models import User
from org.stream import PERSON
from streams.catalogue import Fact, fact
from streams.log import Slot
from streams.unit import Unit

MAX_TERMS_CHARS: Final = 20_000


class TermsVersion(SQLModel, table=True):
    __tablename__ = "terms_version"
    version: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    body: str = Field(sa_column=Column(Text, nullable=False))
    html: str = Field(sa_column=Column(Text, nullable=False))
    published_at: datetime = Field(default_factory=utcnow)
    published_by: int | None = Field(default=None, foreign_key="account.id")


class TermsAcceptance(SQLModel, table=True):
    __tablename__ = "terms_acceptance"
    version: int = Field(foreign_key="terms_version.version", primary_key=True)
    user_id: int = Field(foreign_key="account.id", primary_key=True, index=True)
    accepted_at: datetime = Field(default_factory=utcnow)


# ---- events ------------------------------------------------------------------------


@fact
class TermsPublished(Fact):
    """A new version of the terms: accept it before writing again."""

    kind: ClassVar[str] = "terms.published"
    stream: ClassVar[str] = "person"
    version: int


@fact
class TermsAccepted(Fact):
    """One accepted a version (on this device or another)."""

    kind: ClassVar[str] = "terms.accepted"
    stream: ClassVar[str] = "person"
    version: int


# ---- API shapes ----------------------------------------------------------------------


class TermsPublish(StrictModel):
    body: str = PField(min_length=1, max_length=MAX_TERMS_CHARS)


class TermsAccept(StrictModel):
    version: int = PField(ge=1, le=2**31 - 1)


class TermsPublic(BaseModel):
    """The terms in force: ``version`` 0 (and no text) when none were published."""

    version: int
    body: str
    html: str
    published_at: datetime | None


class TermsState(BaseModel):
    """Where one stands: the current version and the last one accepted."""

    version: int
    accepted: int
    needed: bool  # a version is in force and one has not accepted it


class TermsVersionPublic(BaseModel):
    version: int
    published_at: datetime
    published_by: int | None
    accepted: int  # active people who accepted this version (or a later one)


class TermsOverview(BaseModel):
    versions: list[TermsVersionPublic]  # newest first
    people: int  # active people
    current_accepted: int  # of them, those who accepted the current version


class AcceptancePublic(BaseModel):
    user_id: int
    display_name: str
    accepted_at: datetime | None  # None: not (yet) accepted


class Acceptances(BaseModel):
    version: int
    accepted: list[AcceptancePublic]  # newest first
    pending: list[AcceptancePublic]  # active people who have not accepted it


# ---- errors --------------------------------------------------------------------------


class TermsNotAcceptedError(DomainError):
    code = "terms_not_accepted"
    status = 403


def require_accepted(user: User, current: int | None) -> None:
    """Refuse a write by someone behind the terms in force (``current``)."""
    if current and user.terms_version < current:
        raise TermsNotAcceptedError(
            f"accept the terms of use (version {current}) before writing: GET /api/terms,"
            " then POST /api/terms/accept"
        )


# ---- reads ---------------------------------------------------------------------------


def version_now() -> Any:
    """The version in force as a scalar subquery (NULL: none), for the statements
    writes already make."""
    return select(func.max(TermsVersion.version)).scalar_subquery()


async def current(db: AsyncSession) -> TermsPublic:
    row = (
        await db.exec(select(TermsVersion).order_by(col(TermsVersion.version).desc()).limit(1))
    ).first()
    if row is None:
        return TermsPublic(version=0, body="", html="", published_at=None)
    return TermsPublic(
        version=row.version, body=row.body, html=row.html, published_at=row.published_at
    )


async def state(db: AsyncSession, user: User) -> TermsState:
    version = (await db.exec(select(func.max(TermsVersion.version)))).one() or 0
    me = await db.get(User, user.id)
    accepted = me.terms_version if me is not None else 0
    return TermsState(version=version, accepted=accepted, needed=accepted < version)


def _require_admin(user: User) -> None:
    if not user.is_admin:
        raise ForbiddenError("only admins manage the terms of use")


async def overview(db: AsyncSession, admin: User) -> TermsOverview:
    _require_admin(admin)
    rows = (await db.exec(select(TermsVersion).order_by(col(TermsVersion.version).desc()))).all()
    counts = dict(
        (
            await db.exec(
                select(User.terms_version, func.count())
                .where(col(User.is_active))
                .group_by(col(User.terms_version))
            )
        ).all()
    )
    people = sum(counts.values())

    def at_least(version: int) -> int:
        return sum(n for v, n in counts.items() if v >= version)

    return TermsOverview(
        versions=[
            TermsVersionPublic(
                version=r.version,
                published_at=r.published_at,
                published_by=r.published_by,
                accepted=at_least(r.version),
            )
            for r in rows
        ],
        people=people,
        current_accepted=at_least(rows[0].version) if rows else people,
    )


async def acceptances(db: AsyncSession, admin: User, version: int | None) -> Acceptances:
    """Who accepted ``version`` (the current one when None) and when, and who has
    not yet (active people)."""
    _require_admin(admin)
    if version is None:
        version = (await db.exec(select(func.max(TermsVersion.version)))).one() or 0
    elif await db.get(TermsVersion, version) is None:
        raise InvalidError(f"version: no version {version} was published")
    rows = (
        await db.exec(
            select(User.id, User.display_name, TermsAcceptance.accepted_at)
            .outerjoin(
                TermsAcceptance,
                (col(TermsAcceptance.user_id) == col(User.id))
                & (col(TermsAcceptance.version) == version),
            )
            .where(col(User.is_active))
            .order_by(col(TermsAcceptance.accepted_at).desc(), col(User.sort_key))
        )
    ).all()
    accepted: list[AcceptancePublic] = []
    pending: list[AcceptancePublic] = []
    for user_id, name, at in rows:
        assert user_id is not None
        row = AcceptancePublic(user_id=user_id, display_name=name, accepted_at=at)
        (accepted if at is not None else pending).append(row)
    return Acceptances(version=version, accepted=accepted, pending=pending)


# ---- writes --------------------------------------------------------------------------


async def publish(unit: Unit, admin: User, body: str, html: str) -> TermsPublic:
    """The next version, in force at once for everyone (``html``: ``body``
    rendered as posts are). Every active person hears ``terms.published``."""
    _require_admin(admin)
    db = unit.db
    version = ((await db.exec(select(func.max(TermsVersion.version)))).one() or 0) + 1
    row = TermsVersion(version=version, body=body, html=html, published_by=admin.id)
    db.add(row)
    await db.flush()
    people = list((await db.exec(select(User.id).where(col(User.is_active)))).all())

    async def make(slots: list[Slot]) -> list[tuple[Fact, int | None]]:
        return [(TermsPublished(version=version), admin.id) for _ in slots]

    await unit.append_each(PERSON, [p for p in people if p is not None], make)
    return TermsPublic(version=version, body=body, html=html, published_at=row.published_at)


async def accept(unit: Unit, user: User, version: int) -> TermsState:
    """Accept ``version``, which must be the one in force (a tab showing an
    older version learns that there is a newer one: 409 ``conflict``)."""
    db = unit.db
    latest = (await db.exec(select(func.max(TermsVersion.version)))).one() or 0
    if version != latest:
        raise ConflictError(
            f"version {version} is not the terms in force (version {latest}): read them again"
        )
    assert user.id is not None
    me = await db.get(User, user.id)
    if me is None or not me.is_active:
        raise ForbiddenError("this account is deactivated")
    if me.terms_version >= version:
        return TermsState(version=latest, accepted=me.terms_version, needed=False)
    me.terms_version = version
    db.add(me)
    db.add(TermsAcceptance(version=version, user_id=user.id))
    await unit.append(PERSON, user.id, TermsAccepted(version=version))
    return TermsState(version=latest, accepted=version, needed=False)
