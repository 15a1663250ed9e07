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
from collections.abc import Callable, Sequence
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


async def rewrite(
    db: AsyncSession,
    stream: Stream,
    key: int,
    subjects: Sequence[int],
    kinds: Sequence[str],
    change: Callable[[dict[str, Any]], dict[str, Any]],
) -> int:
    """Rewrite, in the caller's transaction, the data of the events of these kinds
    about these subjects (a deleted post's text taken out of its log). Positions
    do not change; what a replay reads does. Returns how many were rewritten."""
    if stream.subject is None or not subjects:
        return 0
    conn = await db.connection()
    rows = (
        await conn.execute(
            stream._statements["about"],
            {"key": key, "subjects": list(subjects), "kinds": list(kinds)},
        )
    ).all()
    if rows:
        await conn.execute(
            stream._statements["rewrite"],
            [{"b_key": key, "b_seq": seq, "b_data": change(dict(data))} for seq, _, data in rows],
        )
    return len(rows)


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
