"""Every mutation that members must see: ``do_<verb>_<noun>``.

Each action authorises, changes rows and appends its events in one
transaction, commits, then publishes the events once. Writes that carry a
client id (``cid``) are applied once: a retry finds the earlier event and
answers with it (``duplicate=True``).
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from channels.access import (
    ChannelAccess,
    access_channel,
    access_post,
    require_author_or_moderator,
)
from channels.broker.base import CONTROL_TOPIC, Broker
from channels.events import (
    NewEvent,
    append_event,
    append_events,
    event_public,
    publish_events,
)
from channels.history import post_public
from channels.models import (
    AuthorPublic,
    Channel,
    ChannelCreate,
    ChannelKind,
    ChannelUpdate,
    Event,
    EventPublic,
    Like,
    Membership,
    Post,
    PostPublic,
    Written,
)
from channels.render import render
from core.clock import utcnow
from core.errors import ConflictError, DomainError, ForbiddenError, InvalidError, NotFoundError
from org.auth import ensure_email_free, hash_password, normalise_email
from org.models import AuthSession, Department, User, UserCreate, UserUpdate

Pending = list[EventPublic]  # events of this transaction, published after its commit
Apply = Callable[[Pending], Awaitable[Written]]


def new_epoch() -> str:
    return secrets.token_hex(4)


async def _prior_write(db: AsyncSession, actor_id: int, client_id: str) -> Written | None:
    row = (
        await db.exec(
            select(Event, Channel.epoch)
            .join(Channel, col(Channel.id) == col(Event.channel_id))
            .where(Event.actor_id == actor_id, Event.client_id == client_id)
        )
    ).first()
    if row is None:
        return None
    event, epoch = row
    post = event.data.get("post")
    return Written(
        channel_id=event.channel_id,
        epoch=epoch,
        seq=event.seq,
        post=PostPublic.model_validate(post) if post else None,
        duplicate=True,
    )


async def _write(
    db: AsyncSession, bus: Broker, actor: User, client_id: str | None, apply: Apply
) -> Written:
    """Run ``apply`` once per (actor, client id), commit, then publish its events.

    A retried write is recognised by the unique (actor, client id) of its event
    only when it fails: its insert hits the constraint, or the first copy
    changed what it checks (a retried delete finds the post gone). It then
    answers as the first copy did. Retries are rare, so no write pays for a
    look-up beforehand.
    """
    pending: Pending = []
    try:
        written = await apply(pending)
        await db.commit()
    except (IntegrityError, DomainError) as exc:
        await db.rollback()
        if client_id and actor.id is not None:
            prior = await _prior_write(db, actor.id, client_id)
            if prior is not None:
                return prior
        if isinstance(exc, DomainError):
            raise
        raise ConflictError("this conflicts with existing data") from exc
    await publish_events(bus, pending)
    return written


async def _author(db: AsyncSession, user: User) -> AuthorPublic:
    assert user.id is not None
    dept = None
    if user.department_id is not None:
        dept = (
            await db.exec(select(Department.name).where(Department.id == user.department_id))
        ).first()
    return AuthorPublic(id=user.id, display_name=user.display_name, department=dept)


def _shared(post: PostPublic) -> dict[str, Any]:
    """A post as every member sees it (``liked_by_me`` is per viewer)."""
    return post.model_dump(exclude={"liked_by_me"})


async def _event(
    db: AsyncSession,
    pending: Pending,
    channel: Channel,
    kind: str,
    data: dict[str, Any],
    actor: User | None,
    client_id: str | None = None,
) -> Written:
    assert channel.id is not None
    event = await append_event(
        db, channel.id, kind, data, actor_id=actor.id if actor else None, client_id=client_id
    )
    pending.append(event_public(event, channel.epoch))
    post = data.get("post")
    return Written(
        channel_id=channel.id,
        epoch=channel.epoch,
        seq=event.seq,
        post=PostPublic.model_validate(post) if post else None,
    )


# ---- posts, comments, likes ---------------------------------------------------


@dataclass(frozen=True, slots=True)
class NewPost:
    """A post asked for: by whom, in which channel, its text and its client id."""

    actor: User
    channel_id: int
    body: str
    client_id: str | None = None


async def do_create_post(
    db: AsyncSession, bus: Broker, actor: User, channel_id: int, body: str, client_id: str | None
) -> Written:
    (result,) = await do_create_posts(db, bus, [NewPost(actor, channel_id, body, client_id)])
    if isinstance(result, DomainError):
        raise result
    return result


async def do_create_posts(
    db: AsyncSession, bus: Broker, batch: Sequence[NewPost]
) -> list[Written | DomainError]:
    """Posts asked for at about the same time, by one person or several, written in
    one transaction: a burst then costs one commit, one seq update per channel and
    one insert per table, not one of each per post. Answers in the batch's order.

    Each post is authorised on its own; a refused one answers its error and does
    not hold up the rest. A retried post (its client id already written) fails
    the batch on the unique constraint: the posts are then written one at a
    time, and the retried one answers as its first copy did.
    """
    try:
        results, pending = await _insert_posts(db, batch)
        await db.commit()
    except IntegrityError:
        await db.rollback()
        if len(batch) > 1:
            return [r for item in batch for r in await do_create_posts(db, bus, [item])]
        item = batch[0]
        prior = await _prior_post(db, item)
        return [prior or ConflictError("this conflicts with existing data")]
    await publish_events(bus, pending)
    for i, result in enumerate(results):
        # Refused, but perhaps a retry whose first copy went through before the
        # author left the channel: answer as that copy did.
        if isinstance(result, DomainError):
            results[i] = await _prior_post(db, batch[i]) or result
    return results


async def _prior_post(db: AsyncSession, item: NewPost) -> Written | None:
    if item.client_id is None or item.actor.id is None:
        return None
    return await _prior_write(db, item.actor.id, item.client_id)


async def _insert_posts(
    db: AsyncSession, batch: Sequence[NewPost]
) -> tuple[list[Written | DomainError], Pending]:
    results: list[Written | DomainError | None] = []
    accesses: dict[tuple[int | None, int], ChannelAccess | DomainError] = {}
    accepted: list[tuple[int, NewPost, Post, Channel]] = []
    for i, item in enumerate(batch):
        access = accesses.get((item.actor.id, item.channel_id))
        if access is None:
            try:
                access = await access_channel(db, item.actor, item.channel_id)
                access.require_post()
            except DomainError as exc:
                access = exc
            accesses[(item.actor.id, item.channel_id)] = access
        if isinstance(access, DomainError):
            results.append(access)
            continue
        assert item.actor.id is not None
        post = Post(
            channel_id=item.channel_id,
            author_id=item.actor.id,
            body=item.body,
            html=render(item.body),
        )
        accepted.append((i, item, post, access.channel))
        results.append(None)  # answered once written, below
    pending: Pending = []
    if accepted:
        db.add_all([post for _, _, post, _ in accepted])
        await db.flush()
    authors: dict[int, AuthorPublic] = {}
    by_channel: dict[tuple[int, str], list[tuple[int, PostPublic, NewEvent]]] = {}
    for i, item, post, channel in accepted:
        assert item.actor.id is not None and channel.id is not None
        author = authors.get(item.actor.id)
        if author is None:
            author = authors[item.actor.id] = await _author(db, item.actor)
        public = post_public(post, author.display_name, author.department)
        new = NewEvent("post.created", {"post": _shared(public)}, item.actor.id, item.client_id)
        by_channel.setdefault((channel.id, channel.epoch), []).append((i, public, new))
    # Channel rows are locked (by append_events' UPDATE) in id order, so two
    # nodes' batches over the same channels cannot deadlock on PostgreSQL.
    for (channel_id, epoch), entries in sorted(by_channel.items()):
        events = await append_events(db, channel_id, [new for _, _, new in entries])
        for (i, public, _), event in zip(entries, events, strict=True):
            pending.append(event_public(event, epoch))
            results[i] = Written(channel_id=channel_id, epoch=epoch, seq=event.seq, post=public)
    answers = [r for r in results if r is not None]
    assert len(answers) == len(batch)  # every accepted post was written
    return answers, pending


async def do_create_comment(
    db: AsyncSession, bus: Broker, actor: User, post_id: int, body: str, client_id: str | None
) -> Written:
    async def apply(pending: Pending) -> Written:
        parent, access = await access_post(db, actor, post_id)
        access.require_comment()
        assert actor.id is not None and parent.id is not None
        # One level of thread: answering a comment answers its post.
        root_id = parent.parent_id or parent.id
        comment = Post(
            channel_id=parent.channel_id,
            author_id=actor.id,
            parent_id=root_id,
            body=body,
            html=render(body),
        )
        db.add(comment)
        count = await _bump(db, root_id, "comment_count", +1)
        await db.flush()
        author = await _author(db, actor)
        public = post_public(comment, author.display_name, author.department)
        data = {"post": _shared(public), "comment_count": count}
        return await _event(db, pending, access.channel, "comment.created", data, actor, client_id)

    return await _write(db, bus, actor, client_id, apply)


async def _bump(db: AsyncSession, post_id: int, column: str, delta: int) -> int:
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


async def do_edit_post(
    db: AsyncSession, bus: Broker, actor: User, post_id: int, body: str, client_id: str | None
) -> Written:
    async def apply(pending: Pending) -> Written:
        post, access = await access_post(db, actor, post_id)
        require_author_or_moderator(actor, post)
        post.body = body
        post.html = render(body)
        post.edited_at = utcnow()
        db.add(post)
        author = (
            await db.exec(
                select(User.display_name, Department.name)
                .outerjoin(Department, col(Department.id) == col(User.department_id))
                .where(User.id == post.author_id)
            )
        ).one()
        public = post_public(post, author[0], author[1])
        kind = "comment.edited" if post.parent_id else "post.edited"
        return await _event(
            db, pending, access.channel, kind, {"post": _shared(public)}, actor, client_id
        )

    return await _write(db, bus, actor, client_id, apply)


async def do_delete_post(
    db: AsyncSession, bus: Broker, actor: User, post_id: int, client_id: str | None
) -> Written:
    async def apply(pending: Pending) -> Written:
        post, access = await access_post(db, actor, post_id)
        require_author_or_moderator(actor, post)
        post.deleted_at = utcnow()
        db.add(post)
        if post.parent_id is None:
            data: dict[str, Any] = {"post_id": post_id}
            kind = "post.deleted"
        else:
            count = await _bump(db, post.parent_id, "comment_count", -1)
            data = {"post_id": post_id, "parent_id": post.parent_id, "comment_count": count}
            kind = "comment.deleted"
        return await _event(db, pending, access.channel, kind, data, actor, client_id)

    return await _write(db, bus, actor, client_id, apply)


async def do_set_like(
    db: AsyncSession, bus: Broker, actor: User, post_id: int, liked: bool, client_id: str | None
) -> Written:
    """Like or unlike. Asking for the state a post is already in changes nothing
    and answers with the channel's current position."""

    async def apply(pending: Pending) -> Written:
        _, access = await access_post(db, actor, post_id)
        access.require_react()
        assert actor.id is not None
        existing = (
            await db.exec(select(Like).where(Like.post_id == post_id, Like.user_id == actor.id))
        ).first()
        channel = access.channel
        assert channel.id is not None
        if (existing is not None) == liked:
            return Written(channel_id=channel.id, epoch=channel.epoch, seq=channel.last_seq)
        if liked:
            db.add(Like(post_id=post_id, user_id=actor.id))
        else:
            await db.delete(existing)
        count = await _bump(db, post_id, "like_count", +1 if liked else -1)
        data = {"post_id": post_id, "user_id": actor.id, "like_count": count}
        kind = "like.added" if liked else "like.removed"
        return await _event(db, pending, channel, kind, data, actor, client_id)

    return await _write(db, bus, actor, client_id, apply)


# ---- channels and membership ------------------------------------------------------


async def _add_member(
    db: AsyncSession, pending: Pending, channel: Channel, user: User, actor: User | None
) -> Written:
    assert channel.id is not None and user.id is not None
    db.add(Membership(channel_id=channel.id, user_id=user.id))
    author = await _author(db, user)
    return await _event(db, pending, channel, "member.joined", {"user": author.model_dump()}, actor)


async def _remove_member(
    db: AsyncSession, pending: Pending, channel: Channel, user: User, actor: User | None
) -> Written:
    await db.exec(
        delete(Membership).where(
            col(Membership.channel_id) == channel.id, col(Membership.user_id) == user.id
        )
    )
    author = await _author(db, user)
    return await _event(db, pending, channel, "member.left", {"user": author.model_dump()}, actor)


async def do_create_channel(
    db: AsyncSession, bus: Broker, actor: User, data: ChannelCreate
) -> Channel:
    """An interest group; its creator is its first member."""
    channel = Channel(
        kind=ChannelKind.group.value,
        name=data.name,
        description=data.description,
        is_private=data.is_private,
        epoch=new_epoch(),
        created_by=actor.id,
    )

    async def apply(pending: Pending) -> Written:
        db.add(channel)
        await db.flush()
        return await _add_member(db, pending, channel, actor, actor)

    await _write(db, bus, actor, None, apply)
    return channel


async def do_update_channel(
    db: AsyncSession, bus: Broker, actor: User, channel_id: int, data: ChannelUpdate
) -> Written:
    async def apply(pending: Pending) -> Written:
        access = await access_channel(db, actor, channel_id)
        channel = access.channel
        if access.policy.managed_members:
            raise ForbiddenError("department channels are renamed with their department")
        access.require(access.policy.edit, "only the group's creator or an admin may change it")
        if data.name is not None:
            channel.name = data.name
        if data.description is not None:
            channel.description = data.description
        db.add(channel)
        payload = {"name": channel.name, "description": channel.description}
        return await _event(db, pending, channel, "channel.updated", payload, actor)

    return await _write(db, bus, actor, None, apply)


async def do_join_channel(db: AsyncSession, bus: Broker, actor: User, channel_id: int) -> Written:
    async def apply(pending: Pending) -> Written:
        access = await access_channel(db, actor, channel_id)
        channel = access.channel
        assert channel.id is not None
        if access.policy.managed_members:
            raise ForbiddenError("department channels follow your department")
        if access.is_member:
            return Written(channel_id=channel.id, epoch=channel.epoch, seq=channel.last_seq)
        access.require(access.policy.join, "this group is joined by invitation only")
        return await _add_member(db, pending, channel, actor, actor)

    return await _write(db, bus, actor, None, apply)


async def do_leave_channel(db: AsyncSession, bus: Broker, actor: User, channel_id: int) -> Written:
    async def apply(pending: Pending) -> Written:
        access = await access_channel(db, actor, channel_id)
        channel = access.channel
        assert channel.id is not None and actor.id is not None
        if access.policy.managed_members:
            raise ForbiddenError("department channels follow your department")
        if not access.is_member:
            return Written(channel_id=channel.id, epoch=channel.epoch, seq=channel.last_seq)
        return await _remove_member(db, pending, channel, actor, actor)

    return await _write(db, bus, actor, None, apply)


async def do_invite_to_channel(
    db: AsyncSession, bus: Broker, actor: User, channel_id: int, user_ids: list[int]
) -> Written:
    """Members add people to a group; the only way into a private one."""

    async def apply(pending: Pending) -> Written:
        access = await access_channel(db, actor, channel_id)
        channel = access.channel
        assert channel.id is not None
        if access.policy.managed_members:
            raise ForbiddenError("department channels follow your department")
        access.require(access.policy.invite, "join the group first")
        already = set(
            (
                await db.exec(select(Membership.user_id).where(Membership.channel_id == channel_id))
            ).all()
        )
        people = (
            await db.exec(select(User).where(col(User.id).in_(user_ids), col(User.is_active)))
        ).all()
        if len(people) != len(set(user_ids)):
            raise NotFoundError("no such person")
        written = Written(channel_id=channel.id, epoch=channel.epoch, seq=channel.last_seq)
        for person in people:
            if person.id not in already:
                written = await _add_member(db, pending, channel, person, actor)
        return written

    return await _write(db, bus, actor, None, apply)


# ---- departments and people (their department channel follows them) -----------------


def _require_admin(actor: User) -> None:
    if not actor.is_admin:
        raise ForbiddenError("admins only")


async def _department_channel(db: AsyncSession, department_id: int | None) -> Channel | None:
    if department_id is None:
        return None
    return (await db.exec(select(Channel).where(Channel.department_id == department_id))).first()


async def do_create_department(db: AsyncSession, bus: Broker, actor: User, name: str) -> Department:
    _require_admin(actor)
    department = Department(name=name)

    async def apply(pending: Pending) -> Written:
        db.add(department)
        await db.flush()
        channel = Channel(
            kind=ChannelKind.department.value,
            name=name,
            department_id=department.id,
            epoch=new_epoch(),
            created_by=actor.id,
        )
        db.add(channel)
        await db.flush()
        assert channel.id is not None
        return Written(channel_id=channel.id, epoch=channel.epoch, seq=0)

    await _write(db, bus, actor, None, apply)
    return department


async def do_rename_department(
    db: AsyncSession, bus: Broker, actor: User, department_id: int, name: str
) -> Department:
    _require_admin(actor)
    department = await db.get(Department, department_id)
    if department is None:
        raise NotFoundError("no such department")

    async def apply(pending: Pending) -> Written:
        assert department is not None
        department.name = name
        db.add(department)
        channel = await _department_channel(db, department_id)
        assert channel is not None and channel.id is not None
        channel.name = name
        db.add(channel)
        data = {"name": name, "description": channel.description}
        return await _event(db, pending, channel, "channel.updated", data, actor)

    await _write(db, bus, actor, None, apply)
    return department


async def do_create_user(
    db: AsyncSession, bus: Broker, actor: User | None, data: UserCreate
) -> User:
    """Create an account (``actor`` None only for first-run setup and invitations,
    whose callers have authorised it)."""
    if actor is not None:
        _require_admin(actor)
    email = normalise_email(data.email)
    await ensure_email_free(db, email)
    if data.department_id is not None and await db.get(Department, data.department_id) is None:
        raise InvalidError("no such department")
    user = User(
        email=email,
        display_name=data.display_name,
        department_id=data.department_id,
        role=data.role.value,
        password_hash=hash_password(data.password),
    )

    async def apply(pending: Pending) -> Written:
        db.add(user)
        await db.flush()
        channel = await _department_channel(db, user.department_id)
        if channel is None:
            return Written(channel_id=0, epoch="", seq=0)
        return await _add_member(db, pending, channel, user, actor)

    await _write(db, bus, actor or user, None, apply)
    return user


async def do_update_user(
    db: AsyncSession, bus: Broker, actor: User, user_id: int, data: UserUpdate
) -> User:
    """Admins move people between departments, change roles, deactivate. A
    deactivated person's sessions end and their live connections are closed."""
    _require_admin(actor)
    user = await db.get(User, user_id)
    if user is None:
        raise NotFoundError("no such person")
    fields = data.model_fields_set
    if user.id == actor.id and (
        (data.is_active is False) or (data.role is not None and data.role.value != user.role)
    ):
        raise InvalidError("admins cannot demote or deactivate themselves")
    if (
        "department_id" in fields
        and data.department_id is not None
        and await db.get(Department, data.department_id) is None
    ):
        raise InvalidError("no such department")

    async def apply(pending: Pending) -> Written:
        assert user is not None and user.id is not None
        written = Written(channel_id=0, epoch="", seq=0)
        if data.display_name is not None:
            user.display_name = data.display_name
        if data.role is not None:
            user.role = data.role.value
        if data.is_active is not None:
            user.is_active = data.is_active
            if not data.is_active:
                await db.exec(delete(AuthSession).where(col(AuthSession.user_id) == user.id))
        if "department_id" in fields and data.department_id != user.department_id:
            old = await _department_channel(db, user.department_id)
            user.department_id = data.department_id
            if old is not None:
                written = await _remove_member(db, pending, old, user, actor)
            new = await _department_channel(db, data.department_id)
            if new is not None:
                written = await _add_member(db, pending, new, user, actor)
        db.add(user)
        return written

    await _write(db, bus, actor, None, apply)
    if data.is_active is False:
        await publish_kick(bus, user_id)
    return user


async def publish_kick(bus: Broker, user_id: int) -> None:
    """Tell every node to close this person's live connections now."""
    await bus.publish(CONTROL_TOPIC, {"t": "kick", "u": user_id})
