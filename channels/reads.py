"""Every read of channels and what is in them: channel lists, history pages,
threads, likers, and the channel's events after a position. Each read costs a
fixed number of queries whatever the page size (tests/integration/
test_delivery.py and test_history_page.py pin them).

A post is read from one typed definition (``POST_ROW``): the columns, in
order, and how each becomes a field of ``PostPublic``. Adding a field to posts
is one entry there (and the field on ``PostData``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import Select, bindparam, func, or_
from sqlalchemy import select as sa_select
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel import and_, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from channels import direct, polls
from channels.access import (
    Viewer,
    access_channel,
    access_post,
    can_read,
    capabilities,
    may_read,
    policy_of,
    readable_by,
    viewer,
)
from channels.facts import CHANNEL
from channels.models import (
    PAGE_SIZE,
    Block,
    Channel,
    ChannelEvent,
    ChannelEventPublic,
    ChannelKind,
    ChannelPublic,
    DirectPerson,
    EditorRef,
    EventsPage,
    HistoryPage,
    Like,
    LikerPublic,
    Membership,
    NotifyLevel,
    PersonRef,
    PollData,
    Post,
    PostPublic,
    Question,
    QuestionInfo,
    Readers,
    Thread,
)
from channels.questions import ANONYMOUS_FIELDS
from channels.reading import unread_counts
from channels.render import render
from core.clock import iso
from core.errors import NotFoundError
from core.tables import table_of
from org.models import Department, User
from org.newcomers import newcomer_between
from streams import log
from streams.log import Reader, connection_of

_CHANNEL, _MEMBERSHIP = table_of(Channel), table_of(Membership)
_POST, _LIKE = table_of(Post), table_of(Like)
_USER, _DEPARTMENT = table_of(User), table_of(Department)
_BLOCK, _EVENT = table_of(Block), table_of(ChannelEvent)
_QUESTION = table_of(Question)


# ---- a post, from one typed definition --------------------------------------------


@dataclass(frozen=True, slots=True)
class _Field:
    name: str  # the field of PostPublic, and the Post attribute it comes from
    column: Any
    convert: Callable[[Any], Any] | None = None


POST_ROW: tuple[_Field, ...] = (
    _Field("id", _POST.c.id),
    _Field("channel_id", _POST.c.channel_id),
    _Field("parent_id", _POST.c.parent_id),
    _Field("body", _POST.c.body),
    _Field("html", _POST.c.html),
    _Field("created_at", _POST.c.created_at, lambda v: iso(v) or ""),
    _Field("edited_at", _POST.c.edited_at, iso),
    _Field("like_count", _POST.c.like_count),
    _Field("comment_count", _POST.c.comment_count),
    _Field("files", _POST.c.files, lambda v: v or []),
)
# What follows the post's own columns in every post read: who wrote it, who
# edited it last when that was someone else, and whether the reader liked it.
_EDITOR = _USER.alias("editor")
_AUTHOR_COLUMNS = (
    _POST.c.author_id,
    _USER.c.display_name,
    _DEPARTMENT.c.name,
    _USER.c.reading,
    _USER.c.start_date,
    _USER.c.newcomer_until,
    _EDITOR.c.id,
    _EDITOR.c.display_name,
)
# After liked-by-me: whether the post is anonymous, and its question's state.
_QUESTION_COLUMNS = (
    _POST.c.anonymous,
    _QUESTION.c.state,
    _QUESTION.c.answer_id,
    _QUESTION.c.anonymous,
    _QUESTION.c.direct,
)


def _fields(values: Sequence[Any]) -> dict[str, Any]:
    fields = {}
    for spec, value in zip(POST_ROW, values, strict=False):
        fields[spec.name] = spec.convert(value) if spec.convert is not None else value
    if fields["html"] is None:  # rows older than migration 0002
        fields["html"] = render(fields["body"])
    return fields


def _post_fields(row: Sequence[Any]) -> dict[str, Any]:
    """``PostPublic``'s fields from a row of ``POST_ROW`` columns, the author
    columns, liked-by-me and the moderator's hiding (``_post_select``). Plain
    dicts, validated by pydantic-core in one call per answer: several times
    cheaper than building models field by field."""
    n = len(POST_ROW)
    fields = _fields(row[:n])
    author_id, name, dept, reading, start, end, editor_id, editor_name, liked = row[n : n + 9]
    anonymous, state, answer_id, q_anonymous, q_direct, mine = row[n + 9 : n + 15]
    if anonymous:
        # Nobody's name, in every read (channels/questions.py); the asker
        # knows it is theirs (``mine``).
        fields["author"] = ANONYMOUS_FIELDS
        fields["mine"] = bool(mine)
    else:
        fields["author"] = {
            "id": author_id,
            "display_name": name,
            "department": dept,
            "reading": reading,
            "newcomer": newcomer_between(start, end),
        }
    if editor_id is not None:
        fields["edited_by"] = {"id": editor_id, "display_name": editor_name}
    if state is not None:
        fields["question"] = {
            "state": state,
            "answer_id": answer_id,
            "anonymous": bool(q_anonymous),
            "direct": bool(q_direct),
        }
    fields["liked_by_me"] = bool(liked)
    # Then, from ``_post_select``, when and why a moderator hid it (shown to its author).
    hidden = row[n + 15 : n + 17]
    if len(hidden) == 2 and hidden[0] is not None:
        fields["hidden"] = hidden[1] or ""
    return fields


def post_public(
    post: Post,
    author: PersonRef,
    *,
    editor: EditorRef | None = None,
    liked_by_me: bool = False,
    question: QuestionInfo | None = None,
    poll: PollData | None = None,
) -> PostPublic:
    """A post just written (an ORM object) as the API shows it; ``editor`` when
    someone other than its author edited it last. An anonymous post shows
    nobody's name, whatever ``author`` says."""
    fields = _fields([getattr(post, spec.name) for spec in POST_ROW])
    fields["author"] = ANONYMOUS_FIELDS if post.anonymous else author
    fields["edited_by"] = editor
    fields["liked_by_me"] = liked_by_me
    fields["question"] = question
    fields["poll"] = poll.model_dump() if poll is not None else None
    return PostPublic.model_validate(fields)


def _post_select(liked_by: Any) -> Select[Any]:
    liked = (
        sa_select(_LIKE.c.post_id)
        .where(_LIKE.c.post_id == _POST.c.id, _LIKE.c.user_id == liked_by)
        .exists()
    )
    mine = _POST.c.author_id == liked_by
    hidden = (_POST.c.hidden_at, _POST.c.hidden_reason)
    return sa_select(
        *[f.column for f in POST_ROW], *_AUTHOR_COLUMNS, liked, *_QUESTION_COLUMNS, mine, *hidden
    ).select_from(
        _POST.join(_USER, _USER.c.id == _POST.c.author_id)
        .outerjoin(_DEPARTMENT, _DEPARTMENT.c.id == _USER.c.department_id)
        .outerjoin(
            _EDITOR,
            and_(_EDITOR.c.id == _POST.c.edited_by, _POST.c.edited_by != _POST.c.author_id),
        )
        .outerjoin(_QUESTION, _QUESTION.c.post_id == _POST.c.id)
    )


def shown_to(reader: Any) -> Any:
    """A post is shown unless a moderator hid it; its author still sees it
    (marked hidden, with the reason)."""
    return or_(_POST.c.hidden_at.is_(None), _POST.c.author_id == reader)


# For other reads of posts (the home feed): the same columns and fields.
post_select = _post_select
post_fields = _post_fields


# ---- channels --------------------------------------------------------------------


class _ChannelColumns(Protocol):
    id: int | None
    kind: str
    name: str
    description: str
    is_private: bool
    department_id: int | None
    epoch: str
    last_seq: int
    created_by: int | None
    archived_at: datetime | None
    pair_key: str | None
    qa: bool


def _viewer_of(channel: _ChannelColumns, user: User, is_member: bool) -> Viewer:
    return viewer(
        user,
        is_member=is_member,
        created_by=channel.created_by,
        is_private=channel.is_private,
        is_archived=channel.archived_at is not None,
        is_pair=channel.pair_key is not None,
    )


def channel_public(
    channel: _ChannelColumns, member_count: int, user: User, is_member: bool
) -> ChannelPublic:
    """From a ``Channel``, or a row of the same columns, as ``user`` sees it."""
    assert channel.id is not None
    v = _viewer_of(channel, user, is_member)
    return ChannelPublic(
        **capabilities(policy_of(channel.kind), v).model_dump(),
        id=channel.id,
        kind=channel.kind,
        name=channel.name,
        description=channel.description,
        is_private=channel.is_private,
        department_id=channel.department_id,
        epoch=channel.epoch,
        seq=channel.last_seq,
        member_count=member_count,
        is_member=is_member,
        created_by=channel.created_by,
        qa=bool(channel.qa),
        archived=channel.archived_at is not None,
    )


def _member_count() -> Any:
    return (
        select(func.count())
        .select_from(Membership)
        .where(col(Membership.channel_id) == col(Channel.id))
        .scalar_subquery()
    )


async def list_channels(
    db: AsyncSession, user: User, *, joined_only: bool = False, query: str | None = None
) -> list[ChannelPublic]:
    """Channels ``user`` may see: their own, and those open to everyone. Closed
    ones of others never appear."""
    mine = select(Membership.channel_id).where(Membership.user_id == user.id).scalar_subquery()
    is_member = col(Channel.id).in_(mine)
    stmt = select(Channel, _member_count(), is_member)
    stmt = stmt.where(is_member if joined_only else readable_by(user.id))
    if not joined_only:
        # Conversations are in nobody's directory, not even their people's.
        stmt = stmt.where(col(Channel.kind) != ChannelKind.direct.value)
    if query:
        pattern = f"%{query.lower()}%"
        stmt = stmt.where(
            or_(
                func.lower(Channel.name).like(pattern),
                func.lower(Channel.description).like(pattern),
            )
        )
    rows = (await db.exec(stmt.order_by(col(Channel.kind), col(Channel.name)))).all()
    found = [channel_public(c, n, user, bool(m)) for c, n, m in rows]
    return await _with_people(db, user, await _with_read_state(db, user, found))


async def _with_people(
    db: Reader, user: User, channels: list[ChannelPublic]
) -> list[ChannelPublic]:
    """Conversations with their other people, whether they are blocked, and
    from when one reads them: two queries, whatever their number (none
    without a conversation)."""
    direct = {c.id: c for c in channels if c.kind == ChannelKind.direct.value and c.is_member}
    if not direct:
        return channels
    conn = await connection_of(db)
    rows = await conn.execute(
        sa_select(
            _MEMBERSHIP.c.channel_id,
            _MEMBERSHIP.c.since_post,
            _MEMBERSHIP.c.joined_at,
            _USER.c.id,
            _USER.c.display_name,
            _USER.c.reading,
            _USER.c.is_active,
        )
        .select_from(_MEMBERSHIP.join(_USER, _USER.c.id == _MEMBERSHIP.c.user_id))
        .where(_MEMBERSHIP.c.channel_id.in_(list(direct)))
        .order_by(_USER.c.sort_key, _USER.c.id)
    )
    for channel in direct.values():
        channel.people = []
    for channel_id, since, joined_at, uid, name, reading, active in rows:
        channel = direct[channel_id]
        if uid == user.id:
            channel.history_from = iso(joined_at) if since is not None else None
        else:
            assert channel.people is not None
            channel.people.append(
                DirectPerson(id=uid, display_name=name, reading=reading, active=active)
            )
    latest = [
        and_(_EVENT.c.channel_id == c.id, _EVENT.c.seq == c.seq) for c in direct.values() if c.seq
    ]
    if latest:
        for channel_id, at in await conn.execute(
            sa_select(_EVENT.c.channel_id, _EVENT.c.created_at).where(or_(*latest))
        ):
            direct[channel_id].last_activity = iso(at)
    pairs = [c for c in direct.values() if c.people and len(c.people) == 1]
    if pairs:
        others = [c.people[0].id for c in pairs if c.people]
        blocked = set()
        for a, b in await conn.execute(
            sa_select(_BLOCK.c.user_id, _BLOCK.c.blocked_id).where(
                or_(
                    and_(_BLOCK.c.user_id == user.id, _BLOCK.c.blocked_id.in_(others)),
                    and_(_BLOCK.c.blocked_id == user.id, _BLOCK.c.user_id.in_(others)),
                )
            )
        ):
            blocked.add(b if a == user.id else a)
        for channel in pairs:
            assert channel.people is not None
            if channel.people[0].id in blocked:
                channel.blocked = True
                channel.can_post = channel.can_comment = channel.can_react = False
    return channels


async def _with_read_state(
    db: Reader, user: User, channels: list[ChannelPublic]
) -> list[ChannelPublic]:
    assert user.id is not None
    states = await unread_counts(db, user.id, [c.id for c in channels if c.is_member])
    for channel in channels:
        if channel.id in states:
            standing = states[channel.id]
            channel.read_seq, channel.unread = standing.seq, standing.unread
            channel.notify = NotifyLevel(standing.notify)
    return channels


async def get_channel(db: Reader, user: User, channel_id: int) -> ChannelPublic:
    channel, _ = await _readable_channel(await connection_of(db), user, channel_id)
    (found,) = await _with_read_state(db, user, [channel])
    return found


# The page path is the hottest read there is (every channel opened, every scroll
# back), so its statements are built once, here, from the tables' own columns,
# and run as Core statements on a connection (a session's, or a bare one): per
# call only the values bind, and no ORM state is made for rows only read.

_members = _MEMBERSHIP.alias("members")
# The channel, the caller's membership and the member count: access and the
# header of the page in one statement (as access_channel(count_members=True)).
_CHANNEL_ACCESS = (
    sa_select(
        _CHANNEL.c.id,
        _CHANNEL.c.kind,
        _CHANNEL.c.name,
        _CHANNEL.c.description,
        _CHANNEL.c.is_private,
        _CHANNEL.c.department_id,
        _CHANNEL.c.epoch,
        _CHANNEL.c.last_seq,
        _CHANNEL.c.created_by,
        _CHANNEL.c.archived_at,
        _CHANNEL.c.pair_key,
        _CHANNEL.c.qa,
        sa_select(func.count())
        .select_from(_members)
        .where(_members.c.channel_id == _CHANNEL.c.id)
        .scalar_subquery()
        .label("member_count"),
        _MEMBERSHIP.c.user_id.label("member"),
        _MEMBERSHIP.c.since_post,
    )
    .select_from(
        _CHANNEL.outerjoin(
            _MEMBERSHIP,
            and_(
                _MEMBERSHIP.c.channel_id == _CHANNEL.c.id,
                _MEMBERSHIP.c.user_id == bindparam("user_id"),
            ),
        )
    )
    .where(_CHANNEL.c.id == bindparam("channel_id"))
)


async def _readable_channel(
    conn: AsyncConnection, user: User, channel_id: int
) -> tuple[ChannelPublic, int | None]:
    """The channel as the API shows it, if ``user`` may see it (else ``NotFoundError``,
    alike for what does not exist and what is closed to them), and the post
    up to which its history is not theirs (``Membership.since_post``)."""
    row = (
        await conn.execute(_CHANNEL_ACCESS, {"user_id": user.id, "channel_id": channel_id})
    ).first()
    if row is None:
        raise NotFoundError("no such channel")
    is_member = row.member is not None
    if not can_read(row.kind, _viewer_of(row, user, is_member)):
        raise NotFoundError("no such channel")
    found = channel_public(row, row.member_count, user, is_member)
    if row.kind == ChannelKind.direct.value:
        (found,) = await _with_people(conn, user, [found])
    return found, row.since_post


def _page_statement(*, older: bool) -> Select[Any]:
    where = [
        _POST.c.channel_id == bindparam("channel_id"),
        _POST.c.parent_id.is_(None),
        _POST.c.deleted_at.is_(None),
        # Added to a group conversation: its history from then on (0: all of it).
        _POST.c.id > bindparam("since"),
        shown_to(bindparam("user_id")),
    ]
    if older:
        where.append(_POST.c.id < bindparam("before"))
    return (
        _post_select(bindparam("user_id"))
        .where(*where)
        .order_by(_POST.c.id.desc())
        .limit(bindparam("limit"))
    )


_LATEST_PAGE = _page_statement(older=False)
_OLDER_PAGE = _page_statement(older=True)


async def history_page(
    db: Reader,
    user: User,
    channel_id: int,
    *,
    before: int | None = None,
    limit: int = PAGE_SIZE,
) -> HistoryPage:
    """Top-level posts, newest page first; within the page oldest first, as shown."""
    conn = await connection_of(db)
    channel, since = await _readable_channel(conn, user, channel_id)
    params = {
        "user_id": user.id,
        "channel_id": channel_id,
        "limit": limit + 1,
        "since": since or 0,
    }
    if before is None:
        result = await conn.execute(_LATEST_PAGE, params)
    else:
        result = await conn.execute(_OLDER_PAGE, {**params, "before": before})
    posts = [_post_fields(row) for row in result]
    more = len(posts) > limit
    posts = posts[:limit]
    posts.reverse()
    await polls.attach(conn, user.id, posts)
    before_id = posts[0]["id"] if more and posts else None
    return HistoryPage.model_validate({"channel": channel, "posts": posts, "before": before_id})


_BY_ID = _post_select(bindparam("user_id")).where(
    _POST.c.id.in_(bindparam("ids", expanding=True)),
    _POST.c.deleted_at.is_(None),
    shown_to(bindparam("user_id")),
)


async def posts_by_id(conn: AsyncConnection, user: User, ids: Sequence[int]) -> dict[int, Any]:
    """``PostPublic``'s fields of the live posts among ``ids`` (whose access the
    caller has checked), by id: one query. For search results."""
    if not ids:
        return {}
    rows = await conn.execute(_BY_ID, {"user_id": user.id, "ids": list(ids)})
    found = {row[0]: _post_fields(row) for row in rows}
    await polls.attach(conn, user.id, list(found.values()))
    return found


async def thread(db: AsyncSession, user: User, post_id: int) -> Thread:
    post, _ = await access_post(db, user, post_id)
    root_id = post.parent_id or post_id
    conn = await db.connection()
    stmt = (
        _post_select(user.id)
        .where(
            or_(_POST.c.id == root_id, _POST.c.parent_id == root_id),
            _POST.c.deleted_at.is_(None),
            shown_to(user.id),
        )
        .order_by(_POST.c.id)
    )
    found = list(await conn.execute(stmt))
    fields = [_post_fields(row) for row in found]
    await polls.attach(conn, user.id, fields)
    rows = [PostPublic.model_validate(f) for f in fields]
    if user.is_admin:
        await _reveal(conn, rows, {row[0]: row[len(POST_ROW)] for row in found})
    root = next(p for p in rows if p.id == root_id)
    comments = [p for p in rows if p.id != root_id]
    answer = root.question.answer_id if root.question else None
    # The accepted answer first, then the rest in order.
    comments.sort(key=lambda p: p.id != answer)
    return Thread(post=root, comments=comments)


async def _reveal(conn: AsyncConnection, rows: list[PostPublic], authors: dict[int, int]) -> None:
    """Who wrote the anonymous posts among ``rows``, for an admin (moderation)."""
    hidden = {p.id: authors[p.id] for p in rows if p.author.anonymous}
    if not hidden:
        return
    people = {
        r.id: r
        for r in await conn.execute(
            sa_select(_USER.c.id, _USER.c.display_name, _USER.c.reading, _DEPARTMENT.c.name)
            .select_from(_USER.outerjoin(_DEPARTMENT, _DEPARTMENT.c.id == _USER.c.department_id))
            .where(_USER.c.id.in_(sorted(set(hidden.values()))))
        )
    }
    for post in rows:
        if post.id in hidden:
            r = people[hidden[post.id]]
            post.anonymous_author = PersonRef(
                id=r.id, display_name=r.display_name, department=r.name, reading=r.reading
            )


async def likers(db: AsyncSession, user: User, post_id: int) -> list[LikerPublic]:
    await access_post(db, user, post_id)
    rows = (
        await db.exec(
            select(User.id, User.display_name, Department.name, User.reading)
            .join(Like, and_(col(Like.user_id) == col(User.id), Like.post_id == post_id))
            .outerjoin(Department, col(Department.id) == col(User.department_id))
            .order_by(col(Like.created_at))
        )
    ).all()
    return [
        LikerPublic(id=i, display_name=n, department=d, reading=r)
        for i, n, d, r in rows
        if i is not None
    ]


def event_public(event: log.Positioned) -> ChannelEventPublic:
    return ChannelEventPublic(
        channel=event.key,
        epoch=event.epoch,
        seq=event.seq,
        kind=event.kind,
        data=event.data,
        at=event.at,
        cid=event.cid,
    )


async def events_page(
    db: Reader,
    channel: Channel,
    epoch: str | None,
    seq: int | None,
    *,
    recovery_limit: int,
    page: int,
    since_post: int | None = None,
) -> EventsPage:
    """What followed a position in a channel's log, a page at a time: the same
    answer the socket's ``sub`` gives for the same position (``log.plan_replay``).
    Events about posts before ``since_post`` (its reader was added to a group
    conversation after them) come as stand-ins (channels/direct.py)."""
    assert channel.id is not None
    plan = log.plan_replay(channel.epoch, channel.last_seq, epoch, seq, recovery_limit)
    events: list[log.Positioned] = []
    if plan.recovered and plan.start < plan.head:
        events = await log.events_between(
            db, CHANNEL, channel.id, plan.epoch, plan.start, plan.head, page
        )
    end = events[-1].seq if events else plan.start
    return EventsPage(
        epoch=plan.epoch,
        seq=end,
        head=plan.head,
        recovered=plan.recovered,
        more=end < plan.head,
        events=[event_public(direct.as_read_by(since_post, e)) for e in events],
    )


async def channels_of(db: AsyncSession, user_ids: Sequence[int]) -> dict[int, list[int]]:
    """The channels each person is in (everyone asked for is a key): one query."""
    found: dict[int, list[int]] = {user_id: [] for user_id in user_ids}
    if not user_ids:
        return found
    rows = await db.exec(
        select(Membership.user_id, Membership.channel_id).where(
            col(Membership.user_id).in_(user_ids)
        )
    )
    for user_id, channel_id in rows:
        found[user_id].append(channel_id)
    return found


async def readers(db: AsyncSession, user: User, channel_id: int, ids: Sequence[int]) -> Readers:
    """Which of ``ids`` may read the channel now (active people, by its read
    rule), for a composer to warn before a mention that would notify no one.
    Asked by someone who may not see the channel, ``NotFoundError`` as ever."""
    access = await access_channel(db, user, channel_id)
    channel = access.channel
    asked = list(dict.fromkeys(ids))
    if not asked:
        return Readers(readers=[])
    active = set(
        (await db.exec(select(User.id).where(col(User.id).in_(asked), col(User.is_active)))).all()
    )
    members = set(
        (
            await db.exec(
                select(Membership.user_id).where(
                    Membership.channel_id == channel_id, col(Membership.user_id).in_(asked)
                )
            )
        ).all()
    )
    return Readers(
        readers=[
            i
            for i in asked
            if i in active
            and may_read(channel.kind, is_private=channel.is_private, is_member=i in members)
        ]
    )
