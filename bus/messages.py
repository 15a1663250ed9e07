"""What travels on the bus: one dataclass per message type, sent as a msgpack
map with its ``type`` name and fields by name. A node registers a handler per
message class (``Bus.on``); a new message is one class here.

    {"type": "news", "stream": "channel", "key": 5, "epoch": "9f1c22ab", "seq": 12,
     "kind": "post.created", "data": {...}, "at": "2026-11-30T01:28:00.000Z",
     "cid": "3f9a-1", "sent": 1796002080.5}
    {"type": "typing", "channel": 5, "user": 7, "name": "Aiko"}
    {"type": "presence", "user": 7, "status": "away", "channels": [1, 5]}
    {"type": "kick", "user": 7, "credential": null, "reason": "account deactivated"}
    {"type": "forget", "user": 7}
    {"type": "access", "channel": 5, "user": 7}
    {"type": "tallied", "announcement": 4, "author": 1}
    {"type": "commented", "announcement": 4}
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from typing import Any, ClassVar, TypeVar

import msgpack

log = logging.getLogger(__name__)


class Message:
    """A bus message; subclasses are frozen dataclasses registered with ``message``."""

    type: ClassVar[str]


M = TypeVar("M", bound=type[Message])

MESSAGES: dict[str, type[Message]] = {}


def message(cls: M) -> M:
    """Register a message class under its ``type`` name."""
    if cls.type in MESSAGES:
        raise ValueError(f"bus message type {cls.type!r} registered twice")
    MESSAGES[cls.type] = cls
    return cls


@message
@dataclass(frozen=True, slots=True)
class News(Message):
    """An event appended to a stream (a channel's or a person's), with its position."""

    type: ClassVar[str] = "news"
    stream: str
    key: int
    epoch: str
    seq: int
    kind: str
    data: dict[str, Any]
    at: str
    cid: str | None
    sent: float  # when it was published (time.time()), for the delivery-latency histogram


@message
@dataclass(frozen=True, slots=True)
class Typing(Message):
    type: ClassVar[str] = "typing"
    channel: int
    user: int
    name: str


@message
@dataclass(frozen=True, slots=True)
class Presence(Message):
    """A person's status changed; ``channels`` are theirs, whose subscribers hear it."""

    type: ClassVar[str] = "presence"
    user: int
    status: str
    channels: list[int]


@message
@dataclass(frozen=True, slots=True)
class Kick(Message):
    """Close a person's live connections now: all of them, or those opened with
    one credential (a session cookie's or an API token's digest)."""

    type: ClassVar[str] = "kick"
    user: int
    credential: str | None
    reason: str


@message
@dataclass(frozen=True, slots=True)
class Forget(Message):
    """What nodes cached about a person (role, name, department) is stale."""

    type: ClassVar[str] = "forget"
    user: int


@message
@dataclass(frozen=True, slots=True)
class Access(Message):
    """Who may read a channel changed: for one person (they left, were removed,
    moved), or for everyone (``user`` None: the channel was closed). Nodes check
    their followers of it again and end the subscriptions of those who lost it."""

    type: ClassVar[str] = "access"
    channel: int
    user: int | None


@message
@dataclass(frozen=True, slots=True)
class Tallied(Message):
    """An announcement's confirmations changed (announcements/): nodes tell the
    live connections of its author and of admins, who may be watching its rate."""

    type: ClassVar[str] = "tallied"
    announcement: int
    author: int


@message
@dataclass(frozen=True, slots=True)
class Commented(Message):
    """An announcement's comments changed (added, deleted, opened or closed;
    announcements/): nodes tell the live connections of people who may read
    it now, asking the database who they are (server/comment_relay.py)."""

    type: ClassVar[str] = "commented"
    announcement: int


@dataclass(frozen=True, slots=True)
class Reconnected(Message):
    """Local only, never sent: the bus was down and may have lost messages."""

    type: ClassVar[str] = "reconnected"


def pack(msg: Message) -> bytes:
    fields = {f.name: getattr(msg, f.name) for f in dataclasses.fields(msg)}  # type: ignore[arg-type]
    packed: bytes = msgpack.packb({"type": msg.type, **fields})
    return packed


def unpack(payload: bytes) -> Message | None:
    """A message from the wire; None (logged) for what this node cannot read, such
    as a type a newer node sends."""
    try:
        fields = msgpack.unpackb(payload)
        cls = MESSAGES[fields.pop("type")]
        return cls(**fields)
    except (ValueError, msgpack.UnpackException, KeyError, TypeError, AttributeError) as exc:
        log.error("unreadable bus message dropped: %r", exc)
        return None
