"""Who is notified of what: the duties notify hangs on the write path
(streams/unit.py), performed in the unit that appended the events they follow
from, so a notification is stored, or not, with the write itself.

Rules, for every kind:

- never the one who did it, never a deactivated person, never someone who
  cannot read the channel now (the read rule of channels/access.py, asked in
  the write's transaction);
- one notification per person per write, the most specific reason winning:
  ``mention`` > ``channel`` > ``comment`` > ``thread`` > ``post`` (a person
  mentioned in a comment on their own post gets the mention only);
- only members follow a channel: ``comment``, ``thread``, ``like``,
  ``channel`` and ``post`` reach members (so leaving a group ends its
  notifications); a mention reaches anyone who may read the channel;
- a member's level (channels/prefs.py): ``none`` (muted) lets only mentions of
  them by name through (someone asked for them; ``@channel`` does not pierce
  a mute); ``mentions`` lets everything but ``post`` through; ``all``
  everything;
- at most ``MAX_MENTIONS`` (100) distinct people mentioned in one post or
  comment are notified, the first ones in the text; mentions of ids that are
  no one's or of deactivated people notify nobody and are no error.

What follows from which event:

- ``post.created``: ``mention``; ``channel`` (``@channel``: every member);
  ``post`` (members whose level is ``all``);
- ``comment.created``: ``mention``, ``channel``; ``comment`` (the post's
  author); ``thread`` (everyone else who commented there);
- ``post.edited`` / ``comment.edited``: the excerpt of every notification
  about it follows the new text (rows and earlier events); people it now
  mentions who have had no notification about it get a ``mention``
  (``@channel`` added by an edit notifies no one);
- ``post.deleted`` / ``comment.deleted``: its notifications (and its
  comments') are deleted, their text leaves every earlier event, and each
  person gets ``notification.removed``;
- ``like.added``: ``like`` to the author (aggregated: notify/deliver.py);
- ``member.joined`` in a group, by someone else's hand (an invitation):
  ``invited``. Departments' channels follow their people, which notifies no one;
- ``member.left``, and ``channel.updated`` closing a department: the
  notifications of those who may no longer read the channel are deleted
  (``notification.removed``), so what one is shown and told stay one and the
  same (pages ask the read rule too, notify/reads.py).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, delete, or_, update
from sqlalchemy import select as sa_select
from sqlalchemy.ext.asyncio import AsyncConnection

from channels import mentions
from channels.access import may_read
from channels.facts import CHANNEL  # noqa: F401  (registers the kinds the duties follow)
from channels.models import Channel, ChannelKind, Membership, NotifyLevel, Post
from core.tables import table_of
from notify.deliver import Note, deliver, excerpt
from notify.facts import ABOUT_TEXT, NotificationsRemoved
from notify.models import ActorRef, Notification, NotificationKind
from notify.reads import unread_counts
from org.models import User
from org.stream import PERSON
from streams import log
from streams.catalogue import Fact
from streams.log import Slot
from streams.unit import Appended, Unit, duty

# A post may name a hundred people (a division's roll, an all-hands list);
# the readers check of the composer asks about as many (server/routes/channels.py).
MAX_MENTIONS = 100

Kind = NotificationKind
# The most specific reason first: a person gets one notification per write.
PRIORITY = {Kind.mention: 0, Kind.channel: 1, Kind.comment: 2, Kind.thread: 3, Kind.post: 4}

_CHANNEL, _MEMBERSHIP, _POST, _USER, _NOTIFICATION = (
    table_of(Channel),
    table_of(Membership),
    table_of(Post),
    table_of(User),
    table_of(Notification),
)


@dataclass(frozen=True, slots=True)
class _Place:
    id: int
    kind: str
    name: str
    is_private: bool


@dataclass
class _Audience:
    """What decides who may be notified in some channels, read once per unit:
    the channels, the active people asked about, and each one's membership
    level where they are members."""

    places: dict[int, _Place]
    active: set[int]
    levels: dict[tuple[int, int], str] = field(default_factory=dict)  # (channel, person)

    def admits(self, channel_id: int, user_id: int, kind: Kind) -> bool:
        if user_id not in self.active:
            return False
        level = self.levels.get((channel_id, user_id))
        if kind is Kind.mention:
            place = self.places[channel_id]
            return level is not None or may_read(
                place.kind, is_private=place.is_private, is_member=False
            )
        if level is None:
            return False  # not a member: only mentions reach them
        if kind is Kind.post:
            return level == NotifyLevel.all.value
        return level != NotifyLevel.none.value


async def _places(conn: AsyncConnection, channel_ids: Collection[int]) -> dict[int, _Place]:
    rows = await conn.execute(
        sa_select(_CHANNEL.c.id, _CHANNEL.c.kind, _CHANNEL.c.name, _CHANNEL.c.is_private).where(
            _CHANNEL.c.id.in_(sorted(channel_ids))
        )
    )
    return {row.id: _Place(row.id, row.kind, row.name, row.is_private) for row in rows}


async def _audience(
    conn: AsyncConnection,
    people: dict[int, set[int]],
    everyone_in: Collection[int] = (),
    all_level_in: Collection[int] = (),
) -> _Audience:
    """``people``: channel id -> the people to ask about there. Every active
    member of the ``everyone_in`` channels, and those following ``all_level_in``
    with ``all``, are added. At most five queries; a post that mentions no one
    in a channel nobody follows with ``all`` costs one."""
    audience = _Audience({}, set())
    asked = sorted({p for group in people.values() for p in group})
    if asked:
        audience.active = {
            i
            for (i,) in await conn.execute(
                sa_select(_USER.c.id).where(_USER.c.id.in_(asked), _USER.c.is_active)
            )
        }
        rows = await conn.execute(
            sa_select(_MEMBERSHIP.c.channel_id, _MEMBERSHIP.c.user_id, _MEMBERSHIP.c.notify).where(
                _MEMBERSHIP.c.channel_id.in_(sorted(people)), _MEMBERSHIP.c.user_id.in_(asked)
            )
        )
        audience.levels = {(c, u): level for c, u, level in rows}
    for channel_ids_of, only_all in ((everyone_in, False), (all_level_in, True)):
        if not channel_ids_of:
            continue
        stmt = (
            sa_select(_MEMBERSHIP.c.channel_id, _MEMBERSHIP.c.user_id, _MEMBERSHIP.c.notify)
            .join(_USER, _USER.c.id == _MEMBERSHIP.c.user_id)
            .where(_MEMBERSHIP.c.channel_id.in_(sorted(channel_ids_of)), _USER.c.is_active)
        )
        if only_all:
            stmt = stmt.where(_MEMBERSHIP.c.notify == NotifyLevel.all.value)
        for c, u, level in await conn.execute(stmt):
            audience.levels[(c, u)] = level
            audience.active.add(u)
    if audience.active:  # someone may be notified: where, then
        audience.places = await _places(conn, set(people) | set(everyone_in) | set(all_level_in))
    return audience


class _Offers:
    """The reasons to notify each person of one write, keeping the most specific."""

    def __init__(self, excluded: Collection[int]) -> None:
        self.excluded = set(excluded)
        self.kinds: dict[int, Kind] = {}

    def offer(self, user_id: int, kind: Kind) -> None:
        if user_id in self.excluded:
            return
        held = self.kinds.get(user_id)
        if held is None or PRIORITY[kind] < PRIORITY[held]:
            self.kinds[user_id] = kind


def _notes(
    offers: _Offers, audience: _Audience, channel_id: int, post: dict[str, Any]
) -> list[Note]:
    author = post["author"]
    said = excerpt(post["html"])
    return [
        Note(
            user_id=user_id,
            kind=kind,
            actor=ActorRef(id=author["id"], display_name=author["display_name"]),
            channel_id=channel_id,
            channel_name=audience.places[channel_id].name,
            post_id=post["id"],
            thread_id=post["parent_id"],
            excerpt=said,
        )
        for user_id, kind in offers.kinds.items()
        if audience.admits(channel_id, user_id, kind)
    ]


# ---- posts and comments ------------------------------------------------------------


@duty("post.created", "comment.created")
async def _written(unit: Unit, items: Sequence[Appended]) -> None:
    conn = await unit.db.connection()
    writes = [(item.event.key, item.event.data["post"]) for item in items]
    # Who wrote each (an anonymous post names nobody: channels/questions.py).
    writers = {item.event.data["post"]["id"]: item.actor_id or 0 for item in items}
    parents = sorted({p["parent_id"] for _, p in writes if p["parent_id"] is not None})
    authors: dict[int, int] = {}  # post -> its author
    commenters: dict[int, list[int]] = {}  # post -> who commented, in order
    if parents:
        rows = await conn.execute(
            sa_select(_POST.c.id, _POST.c.parent_id, _POST.c.author_id)
            .where(
                or_(_POST.c.id.in_(parents), _POST.c.parent_id.in_(parents)),
                _POST.c.deleted_at.is_(None),
            )
            .order_by(_POST.c.id)
        )
        for post_id, parent_id, author_id in rows:
            if parent_id is None:
                authors[post_id] = author_id
            else:
                commenters.setdefault(parent_id, []).append(author_id)
    people: dict[int, set[int]] = {}
    everyone_in: set[int] = set()
    all_level_in: set[int] = set()
    plans = []
    for channel_id, post in writes:
        said = mentions.mentioned(post["html"])
        named = list(said.people[:MAX_MENTIONS])
        parent = post["parent_id"]
        thread = commenters.get(parent, []) if parent is not None else []
        owner = authors.get(parent) if parent is not None else None
        people.setdefault(channel_id, set()).update(named, thread, [owner] if owner else [])
        if said.everyone:
            everyone_in.add(channel_id)
        if parent is None:
            all_level_in.add(channel_id)
        plans.append((channel_id, post, named, said.everyone, owner, thread))
    audience = await _audience(conn, people, everyone_in, all_level_in)
    notes: list[Note] = []
    for channel_id, post, named, everyone, owner, thread in plans:
        offers = _Offers([post["author"]["id"], writers[post["id"]]])
        for user_id in named:
            offers.offer(user_id, Kind.mention)
        members = [u for (c, u) in audience.levels if c == channel_id]
        if everyone:
            for user_id in members:
                offers.offer(user_id, Kind.channel)
        if owner is not None:
            offers.offer(owner, Kind.comment)
        for user_id in thread:
            offers.offer(user_id, Kind.thread)
        if post["parent_id"] is None:
            for user_id in members:
                if audience.levels[(channel_id, user_id)] == NotifyLevel.all.value:
                    offers.offer(user_id, Kind.post)
        notes += _notes(offers, audience, channel_id, post)
    await deliver(unit, notes)


@duty("post.edited", "comment.edited")
async def _edited(unit: Unit, items: Sequence[Appended]) -> None:
    conn = await unit.db.connection()
    edits = {item.event.data["post"]["id"]: (item, item.event.data["post"]) for item in items}
    # Every notification about it shows its new text, in its row and in the
    # events that carried the old one.
    for post_id, (_, post) in edits.items():
        text = excerpt(post["html"])
        await conn.execute(
            update(_NOTIFICATION).where(_NOTIFICATION.c.post_id == post_id).values(excerpt=text)
        )
        await log.rewrite(unit.db, PERSON, None, [post_id], ABOUT_TEXT, _with_excerpt(text))
    told: dict[int, set[int]] = {}
    for post_id, user_id in await conn.execute(
        sa_select(_NOTIFICATION.c.post_id, _NOTIFICATION.c.user_id).where(
            _NOTIFICATION.c.post_id.in_(sorted(edits))
        )
    ):
        told.setdefault(post_id, set()).add(user_id)
    people: dict[int, set[int]] = {}
    plans = []
    for post_id, (item, post) in edits.items():
        named = [
            u
            for u in mentions.mentioned(post["html"]).people[:MAX_MENTIONS]
            if u not in told.get(post_id, set())
        ]
        if named:
            people.setdefault(item.event.key, set()).update(named)
            plans.append((item, post, named))
    if not plans:
        return
    audience = await _audience(conn, people)
    notes: list[Note] = []
    for item, post, named in plans:
        offers = _Offers([post["author"]["id"], item.actor_id or 0])
        for user_id in named:
            offers.offer(user_id, Kind.mention)
        notes += _notes(offers, audience, item.event.key, post)
    await deliver(unit, notes)


def _with_excerpt(text: str) -> Any:
    return lambda data: {**data, "notification": {**data["notification"], "excerpt": text}}


@duty("post.deleted", "comment.deleted")
async def _deleted(unit: Unit, items: Sequence[Appended]) -> None:
    gone = [item.event.data["post_id"] for item in items]
    threads = [item.event.data["post_id"] for item in items if item.event.kind == "post.deleted"]
    await _remove(
        unit,
        or_(_NOTIFICATION.c.post_id.in_(gone), _NOTIFICATION.c.thread_id.in_(threads)),
        redact=True,
    )


@duty("member.left")
async def _left(unit: Unit, items: Sequence[Appended]) -> None:
    conn = await unit.db.connection()
    leaving = [(item.event.key, item.event.data["user"]["id"]) for item in items]
    places = await _places(conn, {c for c, _ in leaving})
    for channel_id, user_id in leaving:
        place = places[channel_id]
        if not may_read(place.kind, is_private=place.is_private, is_member=False):
            await _remove(
                unit,
                and_(
                    _NOTIFICATION.c.user_id == user_id,
                    _NOTIFICATION.c.channel_id == channel_id,
                ),
            )


@duty("channel.updated")
async def _closed(unit: Unit, items: Sequence[Appended]) -> None:
    for channel_id in sorted({i.event.key for i in items if i.event.data["is_private"]}):
        member = (
            sa_select(_MEMBERSHIP.c.user_id)
            .where(
                _MEMBERSHIP.c.channel_id == channel_id,
                _MEMBERSHIP.c.user_id == _NOTIFICATION.c.user_id,
            )
            .exists()
        )
        await _remove(unit, and_(_NOTIFICATION.c.channel_id == channel_id, ~member))


async def _remove(unit: Unit, which: Any, *, redact: bool = False) -> None:
    """Delete the notifications ``which`` selects and tell their people; with
    ``redact``, their text also leaves every earlier event (a deleted post)."""
    conn = await unit.db.connection()
    rows = (
        await conn.execute(
            sa_select(_NOTIFICATION.c.user_id, _NOTIFICATION.c.id, _NOTIFICATION.c.post_id).where(
                which
            )
        )
    ).all()
    if not rows:
        return
    await conn.execute(delete(_NOTIFICATION).where(which))
    if redact:
        subjects = sorted({post_id for _, _, post_id in rows if post_id is not None})
        await log.rewrite(unit.db, PERSON, None, subjects, ABOUT_TEXT, _with_excerpt(""))
    removed: dict[int, list[int]] = {}
    for user_id, notification_id, _ in rows:
        removed.setdefault(user_id, []).append(notification_id)
    counts = await unread_counts(conn, removed)
    people = sorted(removed)

    async def make(slots: list[Slot]) -> list[tuple[Fact, int | None]]:
        return [
            (
                NotificationsRemoved(ids=sorted(removed[s.key]), unread_count=counts.get(s.key, 0)),
                None,
            )
            for s in slots
        ]

    await unit.append_each(PERSON, people, make)


# ---- likes and invitations ---------------------------------------------------------


@duty("like.added")
async def _liked(unit: Unit, items: Sequence[Appended]) -> None:
    conn = await unit.db.connection()
    likes = {item.event.data["post_id"]: item.event.data["user_id"] for item in items}
    posts = {
        row.id: row
        for row in await conn.execute(
            sa_select(
                _POST.c.id, _POST.c.channel_id, _POST.c.author_id, _POST.c.parent_id, _POST.c.html
            ).where(_POST.c.id.in_(sorted(likes)), _POST.c.deleted_at.is_(None))
        )
    }
    if not posts:
        return
    names = await _names(conn, set(likes.values()))
    people: dict[int, set[int]] = {}
    for found in posts.values():
        people.setdefault(found.channel_id, set()).add(found.author_id)
    audience = await _audience(conn, people)
    notes = []
    for post_id, liker in likes.items():
        row = posts.get(post_id)
        if row is None or row.author_id == liker:
            continue
        if not audience.admits(row.channel_id, row.author_id, Kind.comment):
            continue  # the same rule as a comment on one's post
        notes.append(
            Note(
                user_id=row.author_id,
                kind=Kind.like,
                actor=ActorRef(id=liker, display_name=names.get(liker, "")),
                channel_id=row.channel_id,
                channel_name=audience.places[row.channel_id].name,
                post_id=row.id,
                thread_id=row.parent_id,
                excerpt=excerpt(row.html),
            )
        )
    await deliver(unit, notes)


@duty("member.joined")
async def _joined(unit: Unit, items: Sequence[Appended]) -> None:
    invited = [
        (item.event.key, item.event.data["user"]["id"], item.actor_id)
        for item in items
        if item.actor_id is not None and item.actor_id != item.event.data["user"]["id"]
    ]
    if not invited:
        return
    conn = await unit.db.connection()
    audience = await _audience(conn, {c: {u} for c, u, _ in invited})
    names = await _names(conn, {a for _, _, a in invited if a is not None})
    notes = [
        Note(
            user_id=user_id,
            kind=Kind.invited,
            actor=ActorRef(id=actor_id, display_name=names.get(actor_id, "")),
            channel_id=channel_id,
            channel_name=audience.places[channel_id].name,
        )
        for channel_id, user_id, actor_id in invited
        if actor_id is not None
        and user_id in audience.active
        and audience.places[channel_id].kind == ChannelKind.group.value
    ]
    await deliver(unit, notes)


async def _names(conn: AsyncConnection, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = await conn.execute(
        sa_select(_USER.c.id, _USER.c.display_name).where(_USER.c.id.in_(sorted(ids)))
    )
    return {i: n for i, n in rows}
