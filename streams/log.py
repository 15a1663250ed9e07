"""Stream kinds, and the appends and reads at positions that every kind shares.

A stream kind names where its events live (a table of events keyed by the
stream's id and ``seq``) and where each stream's head lives (a row with the
stream's ``epoch`` and last ``seq``): a channel's on the channel row, a
person's on their account row. The package owning the rows registers the kind
(``register``); the statements below are built once per kind, from its tables.

Positions are ``(epoch, seq)``: ``seq`` counts 1, 2, 3… without gaps per
stream; ``epoch`` names the log and changes only if it is ever reset.
"""

from __future__ import annotations

import secrets
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel.ext.asyncio.session import AsyncSession

from core.clock import iso, utcnow

Reader = AsyncSession | AsyncConnection
"""What reads run on: a session (its connection is used) or a bare connection."""


async def connection_of(db: Reader) -> AsyncConnection:
    return await db.connection() if isinstance(db, AsyncSession) else db


def new_epoch() -> str:
    return secrets.token_hex(4)


@dataclass(frozen=True, slots=True)
class Positioned:
    """An event at its position in one stream."""

    stream: str
    key: int
    epoch: str
    seq: int
    kind: str
    data: dict[str, Any]
    at: str  # ISO 8601, UTC
    cid: str | None = None  # the client id of the write that made it


@dataclass(frozen=True, slots=True)
class Stream:
    """One kind of stream and the tables behind it.

    ``events`` has the columns ``<key>, seq, kind, data, actor_id, client_id,
    created_at`` (and ``subject``, when set: the id of what each event is
    about); ``heads`` has the stream's id, epoch and last seq.
    """

    name: str
    events: Table
    event_key: str
    heads: Table
    head_key: str
    head_epoch: str
    head_seq: str
    subject: str | None = None
    _statements: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        ev, hd = self.events.c, self.heads.c
        key, h_key, h_epoch, h_seq = (
            ev[self.event_key],
            hd[self.head_key],
            hd[self.head_epoch],
            hd[self.head_seq],
        )
        s = self._statements
        # Taking n seqs locks the head row until commit (PostgreSQL; SQLite has
        # one writer), so seqs are committed in order and never leave a gap.
        s["take"] = (
            update(self.heads)
            .where(h_key == bindparam("key"))
            .values({h_seq.name: h_seq + bindparam("n")})
            .returning(h_seq, h_epoch)
        )
        s["insert"] = insert(self.events)
        s["between"] = (
            select(ev.seq, ev.kind, ev.data, ev.client_id, ev.created_at)
            .where(
                key == bindparam("key"), ev.seq > bindparam("after"), ev.seq <= bindparam("upto")
            )
            .order_by(ev.seq)
            .limit(bindparam("limit"))
        )
        s["heads"] = select(h_key, h_epoch, h_seq).where(
            h_key.in_(bindparam("keys", expanding=True))
        )
        # Taking seqs of many streams at once (one event each, say, a notification
        # to every member of a channel): their head rows are locked in key order
        # first, so that two such units never wait on each other crosswise.
        s["lock"] = (
            select(h_key)
            .where(h_key.in_(bindparam("keys", expanding=True)))
            .order_by(h_key)
            .with_for_update()
        )
        s["take_many"] = (
            update(self.heads)
            .where(h_key.in_(bindparam("keys", expanding=True)))
            .values({h_seq.name: h_seq + bindparam("n")})
            .returning(h_key, h_seq, h_epoch)
        )
        s["prior"] = select(key, ev.seq, ev.kind, ev.data, ev.client_id, ev.created_at).where(
            ev.actor_id == bindparam("actor_id"), ev.client_id == bindparam("client_id")
        )
        if self.subject is not None:
            about = ev[self.subject]
            s["about"] = select(ev.seq, ev.kind, ev.data).where(
                key == bindparam("key"),
                about.in_(bindparam("subjects", expanding=True)),
                ev.kind.in_(bindparam("kinds", expanding=True)),
            )
            s["about_any"] = select(key, ev.seq, ev.data).where(
                about.in_(bindparam("subjects", expanding=True)),
                ev.kind.in_(bindparam("kinds", expanding=True)),
            )
            s["rewrite"] = (
                update(self.events)
                .where(key == bindparam("b_key"), ev.seq == bindparam("b_seq"))
                .values({ev.data.name: bindparam("b_data")})
            )

    def topic(self, key: int) -> str:
        return f"{self.name}.{key}"


STREAMS: dict[str, Stream] = {}


def register(stream: Stream) -> Stream:
    if stream.name in STREAMS:
        raise ValueError(f"stream kind {stream.name!r} registered twice")
    STREAMS[stream.name] = stream
    return stream


@dataclass(frozen=True, slots=True)
class NewEvent:
    kind: str
    data: dict[str, Any]
    actor_id: int | None
    client_id: str | None = None
    subject: int | None = None


async def append(
    db: AsyncSession, stream: Stream, key: int, new: Sequence[NewEvent]
) -> list[Positioned]:
    """Take the stream's next ``len(new)`` seqs and add the events, in order, inside
    the caller's transaction (streams/unit.py is the only caller)."""
    conn = await db.connection()
    row = (await conn.execute(stream._statements["take"], {"key": key, "n": len(new)})).one()
    last, epoch = row
    first = last - len(new) + 1
    now: datetime = utcnow()
    rows = [
        {
            stream.event_key: key,
            "seq": first + i,
            "kind": e.kind,
            "data": e.data,
            "actor_id": e.actor_id,
            "client_id": e.client_id,
            "created_at": now,
            **({stream.subject: e.subject} if stream.subject is not None else {}),
        }
        for i, e in enumerate(new)
    ]
    await conn.execute(stream._statements["insert"], rows)
    at = iso(now) or ""
    return [
        Positioned(stream.name, key, epoch, first + i, e.kind, e.data, at, e.client_id)
        for i, e in enumerate(new)
    ]


@dataclass(frozen=True, slots=True)
class Slot:
    """A position taken for an event not yet made (``append_each``)."""

    key: int
    epoch: str
    seq: int


async def append_each(
    db: AsyncSession,
    stream: Stream,
    keys: Sequence[int],
    make: Callable[[list[Slot]], Awaitable[list[NewEvent]]],
) -> list[Positioned]:
    """Events in many streams at once, one per entry of ``keys`` (a key may come
    more than once: its events take consecutive seqs, in order), inside the
    caller's transaction. ``make`` is given the positions taken, in the order of
    ``keys``, and answers the events for them: what an event says may depend on
    its position (a notification's id is the seq that added it).

    Costs a statement to lock the heads in key order, one per distinct number
    of events a stream gets, and one insert: 5,000 people notified at once are
    four statements, not 10,000."""
    if not keys:
        return []
    conn = await db.connection()
    wanted = Counter(keys)
    ordered = sorted(wanted)
    for chunk in _chunks(ordered):
        await conn.execute(stream._statements["lock"], {"keys": chunk})
    by_n: dict[int, list[int]] = {}
    for key, n in wanted.items():
        by_n.setdefault(n, []).append(key)
    next_seq: dict[int, tuple[str, int]] = {}
    for n, group in sorted(by_n.items()):
        for chunk in _chunks(sorted(group)):
            rows = await conn.execute(stream._statements["take_many"], {"keys": chunk, "n": n})
            for key, last, epoch in rows:
                next_seq[key] = (epoch, last - n + 1)
    if len(next_seq) != len(wanted):
        raise LookupError(f"no {stream.name} stream for {sorted(set(wanted) - set(next_seq))}")
    slots = []
    for key in keys:
        epoch, seq = next_seq[key]
        slots.append(Slot(key, epoch, seq))
        next_seq[key] = (epoch, seq + 1)
    new = await make(slots)
    if len(new) != len(slots):
        raise ValueError("append_each: one event per position taken")
    now: datetime = utcnow()
    await conn.execute(
        stream._statements["insert"],
        [
            {
                stream.event_key: slot.key,
                "seq": slot.seq,
                "kind": e.kind,
                "data": e.data,
                "actor_id": e.actor_id,
                "client_id": e.client_id,
                "created_at": now,
                **({stream.subject: e.subject} if stream.subject is not None else {}),
            }
            for slot, e in zip(slots, new, strict=True)
        ],
    )
    at = iso(now) or ""
    return [
        Positioned(stream.name, slot.key, slot.epoch, slot.seq, e.kind, e.data, at, e.client_id)
        for slot, e in zip(slots, new, strict=True)
    ]


CHUNK = 5000
"""Most values bound in one ``IN (...)``: SQLite allows 32,766 variables in a
statement, and PostgreSQL plans long lists no better."""


def _chunks(values: Sequence[int]) -> list[list[int]]:
    return [list(values[i : i + CHUNK]) for i in range(0, len(values), CHUNK)]


async def rewrite(
    db: AsyncSession,
    stream: Stream,
    key: int | None,
    subjects: Sequence[int],
    kinds: Sequence[str],
    change: Callable[[dict[str, Any]], dict[str, Any]],
) -> int:
    """Rewrite, in the caller's transaction, the data of the events of these kinds
    about these subjects (a deleted post's text taken out of its log), in the
    stream ``key`` or, with ``key=None``, in every stream of the kind (the
    notifications of a post, in the streams of everyone notified). Positions do
    not change; what a replay reads does. Returns how many were rewritten."""
    if stream.subject is None or not subjects:
        return 0
    conn = await db.connection()
    found: list[tuple[int, int, dict[str, Any]]] = []
    for chunk in _chunks(list(subjects)):
        if key is None:
            rows = await conn.execute(
                stream._statements["about_any"], {"subjects": chunk, "kinds": list(kinds)}
            )
            found += [(k, seq, data) for k, seq, data in rows]
        else:
            rows = await conn.execute(
                stream._statements["about"],
                {"key": key, "subjects": chunk, "kinds": list(kinds)},
            )
            found += [(key, seq, data) for seq, _, data in rows]
    if found:
        await conn.execute(
            stream._statements["rewrite"],
            [{"b_key": k, "b_seq": seq, "b_data": change(dict(data))} for k, seq, data in found],
        )
    return len(found)


async def events_between(
    db: Reader, stream: Stream, key: int, epoch: str, after: int, upto: int, limit: int
) -> list[Positioned]:
    """Events with ``after < seq <= upto``, in order, at most ``limit``."""
    conn = await connection_of(db)
    result = await conn.execute(
        stream._statements["between"], {"key": key, "after": after, "upto": upto, "limit": limit}
    )
    return [
        Positioned(stream.name, key, epoch, seq, kind, data, iso(created) or "", cid)
        for seq, kind, data, cid, created in result
    ]


async def heads(db: Reader, stream: Stream, keys: Sequence[int]) -> dict[int, tuple[str, int]]:
    """Current (epoch, seq) of each stream asked for that exists: one query for any number."""
    if not keys:
        return {}
    conn = await connection_of(db)
    rows = await conn.execute(stream._statements["heads"], {"keys": list(keys)})
    return {k: (e, s) for k, e, s in rows}


async def prior(db: Reader, actor_id: int, client_id: str) -> Positioned | None:
    """The event a write with this client id made before, in whichever stream."""
    conn = await connection_of(db)
    for stream in STREAMS.values():
        row = (
            await conn.execute(
                stream._statements["prior"], {"actor_id": actor_id, "client_id": client_id}
            )
        ).first()
        if row is not None:
            key, seq, kind, data, cid, created = row
            epoch = (await heads(conn, stream, [key]))[key][0]
            return Positioned(stream.name, key, epoch, seq, kind, data, iso(created) or "", cid)
    return None


# ---- replay: one answer for the socket and for HTTP ---------------------------------


@dataclass(frozen=True, slots=True)
class Replay:
    """Where a client stands after asking for what followed its position.

    ``recovered``: the position is one of this log's (same epoch, not ahead of
    it) and at most ``limit`` events behind, so what follows it can be replayed;
    otherwise the client reloads current state and continues from ``head``.
    ``start``: the position replay continues from (the client's own when
    recovered, else ``head``).
    """

    epoch: str
    head: int
    recovered: bool
    start: int


def plan_replay(
    epoch: str, head: int, asked_epoch: str | None, asked_seq: int | None, limit: int
) -> Replay:
    recovered = (
        asked_epoch is not None
        and asked_seq is not None
        and asked_epoch == epoch
        and 0 <= asked_seq <= head
        and head - asked_seq <= limit
    )
    start = asked_seq if recovered and asked_seq is not None else head
    return Replay(epoch, head, recovered, start)
