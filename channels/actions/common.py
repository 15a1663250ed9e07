"""What the channel actions share: the person shape of events, receipts, the
write wrapper with idempotent retries, and counters on posts."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bus.base import Bus
from channels.models import PersonRef, Post, PostPublic, Receipt
from core.clock import iso, today, utcnow
from core.errors import MutedError, UnauthorizedError
from org import terms
from org.models import Department, User
from org.newcomers import is_newcomer
from streams import log
from streams.log import Positioned
from streams.unit import Unit, run
from words import lists
from words.match import Match


async def person_ref(db: AsyncSession, user: User) -> PersonRef:
    assert user.id is not None
    dept = None
    if user.department_id is not None:
        dept = (
            await db.exec(select(Department.name).where(Department.id == user.department_id))
        ).first()
    return _ref(user, dept, today())


def receipt(event: Positioned, *, duplicate: bool = False) -> Receipt:
    """The answer to a write, from the channel event it made."""
    post = event.data.get("post") if event.kind in _CARRIES_POST else None
    return Receipt(
        channel_id=event.key,
        epoch=event.epoch,
        seq=event.seq,
        post=PostPublic.model_validate(post) if post else None,
        duplicate=duplicate,
    )


_CARRIES_POST = frozenset({"post.created", "post.edited", "comment.created", "comment.edited"})


async def recall(db: AsyncSession, actor: User, client_id: str | None) -> Receipt | None:
    """What an earlier copy of this write answered, if there was one."""
    if client_id is None or actor.id is None:
        return None
    earlier = await log.prior(db, actor.id, client_id)
    if earlier is None or earlier.stream != "channel":
        return None
    return receipt(earlier, duplicate=True)


async def write(
    db: AsyncSession,
    bus: Bus,
    actor: User,
    client_id: str | None,
    apply: Callable[[Unit], Awaitable[Receipt]],
) -> Receipt:
    """A unit of work for ``actor`` answered by a receipt; a retried write (same
    client id) answers as its first copy did."""
    return await run(
        db,
        bus,
        apply,
        actor_id=actor.id,
        client_id=client_id,
        recall=lambda session: recall(session, actor, client_id),
    )


async def current_people(
    db: AsyncSession, ids: Collection[int], *, active_only: bool = True
) -> dict[int, tuple[User, PersonRef]]:
    """People as they are now, in this transaction (an open socket's copy may be
    older: a rename, a department move, a deactivation), with their person shape.
    Deactivated people are left out unless asked for: they write nothing."""
    stmt = (
        select(User, Department.name)
        .outerjoin(Department, col(Department.id) == col(User.department_id))
        .where(col(User.id).in_(list(ids)))
    )
    if active_only:
        stmt = stmt.where(col(User.is_active))
    rows = (await db.exec(stmt)).all()
    day = today()
    return {u.id: (u, _ref(u, d, day)) for u, d in rows if u.id is not None}


def _ref(user: User, department: str | None, day: date) -> PersonRef:
    """A person as posts and events show them, on ``day`` (a newcomer then?)."""
    assert user.id is not None
    return PersonRef(
        id=user.id,
        display_name=user.display_name,
        department=department,
        reading=user.reading,
        newcomer=is_newcomer(user, day),
    )


@dataclass(frozen=True, slots=True)
class Rules:
    """The company's rules as a write reads them, with its author: the terms of
    use in force (0: none) and the word list's tag (None: no list)."""

    terms: int
    words: str | None


async def current_writers(
    db: AsyncSession, ids: Collection[int]
) -> tuple[dict[int, tuple[User, PersonRef]], Rules]:
    """``current_people`` (active ones) and the rules now, in the same statement:
    checking the terms and the words costs a write no query of its own."""
    stmt = (
        select(User, Department.name, terms.version_now(), lists.tag_now())
        .outerjoin(Department, col(Department.id) == col(User.department_id))
        .where(col(User.id).in_(list(ids)), col(User.is_active))
    )
    rows = (await db.exec(stmt)).all()
    rules = Rules(terms=rows[0][2] or 0, words=rows[0][3]) if rows else Rules(0, None)
    day = today()
    people = {u.id: (u, _ref(u, d, day)) for u, d, _, _ in rows if u.id is not None}
    return people, rules


async def current_writer(db: AsyncSession, actor: User) -> tuple[User, PersonRef, Rules]:
    """``actor`` as they are now and the rules now; ``UnauthorizedError`` if
    deactivated meanwhile, ``TermsNotAcceptedError`` if behind the terms."""
    assert actor.id is not None
    people, rules = await current_writers(db, [actor.id])
    found = people.get(actor.id)
    if found is None:
        raise UnauthorizedError("this account is deactivated")
    terms.require_accepted(found[0], rules.terms)
    return found[0], found[1], rules


async def current_person(db: AsyncSession, actor: User) -> tuple[User, PersonRef]:
    """``actor`` as they are now; ``UnauthorizedError`` if deactivated meanwhile."""
    assert actor.id is not None
    found = (await current_people(db, [actor.id])).get(actor.id)
    if found is None:
        raise UnauthorizedError("this account is deactivated")
    return found


async def bump(db: AsyncSession, post_id: int, column: str, delta: int) -> int:
    """Add ``delta`` to a post's counter; its new value."""
    counter = getattr(Post, column)
    return int(
        (
            await db.exec(
                update(Post)
                .where(col(Post.id) == post_id)
                .values({column: counter + delta})
                .returning(counter)
            )
        ).scalar_one()
    )


def require_unmuted(user: User) -> None:
    """A muted person (moderation/) reads but does not post, comment, edit or
    like until the mute ends: ``MutedError`` with the time it does."""
    until = user.muted_at(utcnow())
    if until is not None:
        raise MutedError(iso(until) or "")


async def checked_writer(
    db: AsyncSession, actor: User, texts: Sequence[tuple[str, str | None]], acknowledged: bool
) -> tuple[User, list[Match]]:
    """``actor`` as they are now, if they may write as they may post (active,
    the terms in force accepted, not muted), and ``texts`` (field, text; empty
    ones are not written) through the word check: what events, surveys and
    announcements write. Answers the warned matches an acknowledged write goes
    past, for ``lists.record_override`` once the write has an id."""
    me, _, rules = await current_writer(db, actor)
    require_unmuted(me)
    checked = [(field, text) for field, text in texts if text]
    if not checked:
        return me, []
    words = await lists.matcher(db, rules.words)
    return me, lists.check(words, checked, acknowledged=acknowledged)
