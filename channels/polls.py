"""Polls in posts: what a poll is, and reading polls for posts. channels owns
them (as it owns questions) because every read of posts shows them; voting
and closing are channels/actions/polls.py.

A poll is a post's: its question is the post's body, its 2-10 options are
fixed when the post is written (editing the body does not change them), one
choice or several, named or anonymous, with an optional closing time. Results
are final once it is closed (its author, or a moderator, closed it early:
``Poll.closed_at``) or its closing time has passed (``closes_at``, checked at
every read and vote: no job runs at that moment).

Reads never add a column to the post select (channels/reads.py): a page of
posts gets its polls from one more query keyed by the page's post ids
(``attach``), and carries each as the post's ``poll`` (null when it has none).

What is recorded (the interface says so): a vote row per option chosen, with
the person and when (``PollVote``), so they can change or withdraw it and so
usage figures can count the people who voted lately. In an anonymous poll no
read shows who chose what, to anyone, administrators included: options carry
counts only, and one sees one's own choices (``mine``). Each vote is also an
event of the channel (``poll.voted``) whose actor the log keeps, as for every
write; no read shows it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, bindparam, false, func, literal, select

from channels.models import Poll, PollCreate, PollData, PollOption, PollVote, Post
from core.clock import iso, utcnow
from core.errors import ConflictError
from core.tables import table_of
from org.models import User
from streams.log import Reader, connection_of

_POLL, _OPTION, _VOTE = table_of(Poll), table_of(PollOption), table_of(PollVote)
_USER = table_of(User)
# Event kinds that carry a poll (channels/facts.py): a deleted or hidden
# post's are rewritten to carry none.
POLL_KINDS = ("poll.voted", "poll.closed")

NOBODY = 0  # the viewer id of reads for everyone (events): nobody's choices


def _aware(ts: datetime | None) -> datetime | None:
    if ts is None:
        return None
    return ts if ts.tzinfo is not None else ts.replace(tzinfo=UTC)


def is_closed(poll: Any, now: datetime | None = None) -> bool:
    """Closed early, or its closing time has passed."""
    if poll.closed_at is not None:
        return True
    closes = _aware(poll.closes_at)
    return closes is not None and closes <= (now or utcnow())


def new_poll(post: Post, spec: PollCreate) -> tuple[Poll, list[PollOption]]:
    assert post.id is not None
    poll = Poll(
        post_id=post.id,
        channel_id=post.channel_id,
        multiple=spec.multiple,
        anonymous=spec.anonymous,
        closes_at=spec.closes_at.astimezone(UTC) if spec.closes_at else None,
        created_at=post.created_at,
    )
    options = [PollOption(post_id=post.id, position=i, text=t) for i, t in enumerate(spec.options)]
    return poll, options


def fresh(poll: Poll, options: Sequence[PollOption]) -> PollData:
    """A poll just written: nobody has voted."""
    return PollData(
        multiple=poll.multiple,
        anonymous=poll.anonymous,
        closes_at=iso(_aware(poll.closes_at)),
        closed=False,
        voters=0,
        options=[
            {"id": o.id, "text": o.text, "votes": 0, "voters": None if poll.anonymous else []}
            for o in options
        ],
    )


# One statement for the polls of any number of posts: a row per option, or per
# (option, voter) in a named poll; the counts by correlated subqueries on the
# vote table's indexes. An anonymous poll joins nobody's name.
_votes = _VOTE.alias("votes")
_people = _VOTE.alias("people")
_named = _VOTE.alias("named")
_mine = _VOTE.alias("mine")
_POLLS = (
    select(
        _OPTION.c.post_id,
        _POLL.c.multiple,
        _POLL.c.anonymous,
        _POLL.c.closes_at,
        _POLL.c.closed_at,
        _OPTION.c.id,
        _OPTION.c.text,
        select(func.count())
        .select_from(_votes)
        .where(_votes.c.option_id == _OPTION.c.id)
        .scalar_subquery(),
        select(func.count(func.distinct(_people.c.user_id)))
        .select_from(_people)
        .where(_people.c.post_id == _OPTION.c.post_id)
        .scalar_subquery(),
        select(literal(1))
        .select_from(_mine)
        .where(_mine.c.option_id == _OPTION.c.id, _mine.c.user_id == bindparam("viewer"))
        .exists(),
        _USER.c.id,
        _USER.c.display_name,
    )
    .select_from(
        _OPTION.join(_POLL, _POLL.c.post_id == _OPTION.c.post_id)
        .outerjoin(_named, and_(_named.c.option_id == _OPTION.c.id, _POLL.c.anonymous == false()))
        .outerjoin(_USER, _USER.c.id == _named.c.user_id)
    )
    .where(_OPTION.c.post_id.in_(bindparam("ids", expanding=True)))
    .order_by(_OPTION.c.post_id, _OPTION.c.position, _named.c.voted_at, _USER.c.id)
)


async def polls_of(
    db: Reader, viewer_id: int | None, post_ids: Sequence[int]
) -> dict[int, dict[str, Any]]:
    """``PollPublic``'s fields of the polls of these posts (those that have
    one), by post id, as ``viewer_id`` reads them (``None``: for everyone, no
    ``mine``): one query, whatever their number."""
    if not post_ids:
        return {}
    conn = await connection_of(db)
    rows = await conn.execute(_POLLS, {"ids": sorted(set(post_ids)), "viewer": viewer_id or NOBODY})
    now = utcnow()
    found: dict[int, dict[str, Any]] = {}
    options: dict[int, dict[str, Any]] = {}
    for (
        post_id,
        multiple,
        anonymous,
        closes,
        closed,
        oid,
        text,
        votes,
        voters,
        mine,
        uid,
        name,
    ) in rows:
        poll = found.get(post_id)
        if poll is None:
            closes = _aware(closes)
            poll = found[post_id] = {
                "multiple": bool(multiple),
                "anonymous": bool(anonymous),
                "closes_at": iso(closes),
                "closed": closed is not None or (closes is not None and closes <= now),
                "voters": voters,
                "options": [],
                "mine": [],
            }
        option = options.get(oid)
        if option is None:
            option = options[oid] = {
                "id": oid,
                "text": text,
                "votes": votes,
                "voters": None if anonymous else [],
            }
            poll["options"].append(option)
            if mine and viewer_id is not None:
                poll["mine"].append(oid)
        if uid is not None and not anonymous:
            option["voters"].append({"id": uid, "display_name": name})
    if viewer_id is None:
        for poll in found.values():
            del poll["mine"]
    return found


async def attach(db: Reader, viewer_id: int | None, posts: Sequence[dict[str, Any]]) -> None:
    """Set each post's (fields') ``poll``: one query for them all."""
    polls = await polls_of(db, viewer_id, [p["id"] for p in posts if p.get("parent_id") is None])
    for post in posts:
        post["poll"] = polls.get(post["id"])


async def current(db: Reader, post_id: int) -> PollData | None:
    """A post's poll as everyone sees it now (events), or None."""
    found = (await polls_of(db, None, [post_id])).get(post_id)
    return PollData.model_validate(found) if found is not None else None


def require_open(poll: Poll) -> None:
    if is_closed(poll):
        raise ConflictError("this poll is closed: its results are final")
