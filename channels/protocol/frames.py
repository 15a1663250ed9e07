"""Client commands and server frames.

Client to server (``id`` is chosen by the client and echoed in the answer;
``cid`` makes a write idempotent)::

    {"op": "sub", "id": 1, "channel": 5, "epoch": "9f1c22ab", "seq": 10}
    {"op": "unsub", "id": 2, "channel": 5}
    {"op": "sub_me", "id": 11, "epoch": "04ab33cd", "seq": 3}
    {"op": "post", "id": 3, "channel": 5, "body": "hello", "files": ["Xr4..."], "cid": "b1e0..."}
    {"op": "post", "id": 17, "channel": 5, "body": "社外秘です", "acknowledge_warning": true}
    {"op": "post", "id": 15, "channel": 8, "body": "経費は?", "anonymous": true, "cid": "..."}
    {"op": "post", "id": 16, "channel": 5, "body": "お昼は?", "poll": {"options": ["寿司", "そば"]}}
    {"op": "comment", "id": 4, "post": 9, "body": "welcome!", "cid": "..."}
    {"op": "edit", "id": 5, "post": 9, "body": "hello all", "files": [], "cid": "..."}
    {"op": "delete", "id": 6, "post": 9, "cid": "..."}
    {"op": "like", "id": 7, "post": 9, "cid": "..."}
    {"op": "unlike", "id": 8, "post": 9, "cid": "..."}
    {"op": "typing", "channel": 5}
    {"op": "status", "status": "away"}
    {"op": "who", "id": 9, "channel": 5}
    {"op": "read", "id": 12, "channel": 5, "seq": 42}
    {"op": "read_notifications", "id": 13, "ids": [3, 9]}
    {"op": "read_notifications", "id": 14, "all": true}
    {"op": "ping", "id": 10}
    {"op": "search", "id": 12, "q": "経費精算", "channel": 5, "in": "posts", "order": "newest"}
    {"op": "home", "id": 15, "section": "read", "before": 812, "limit": 20}
    {"op": "read_all", "id": 16}

Server to client: ``hello``, ``subbed``, ``event``, ``subbed_me``,
``personal``, ``ack``, ``error``, ``unsubbed``, ``presence``, ``typing``,
``who``, ``read``, ``notifications_read``, ``pong``, ``search``, ``home``, ``read_all``
(built by the functions below).
"""

from __future__ import annotations

from typing import Annotated, Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, model_validator

from channels.home import HomePage
from channels.models import MAX_BODY_CHARS, MAX_FILES, FileIdStr, PollCreate, Receipt
from channels.protocol.errors import ProtocolError
from channels.reading import ReadAll
from channels.search import SearchPage
from core.fulltext import MAX_QUERY_CHARS
from core.schema import MAX_ID, DbId, refuse_nul
from streams.log import Positioned, Replay

PROTOCOL_VERSION: Final = 1

_Id = Annotated[int, Field(ge=0, le=2**53)]
_Cid = Annotated[str, Field(min_length=1, max_length=64)]
_Text = Annotated[str, Field(max_length=MAX_BODY_CHARS)]
_Files = Annotated[list[FileIdStr], Field(max_length=MAX_FILES)]


class _Writes(BaseModel):
    """A post's or comment's content: text, files (ids of one's uploads), or both."""

    body: _Text = ""
    files: _Files = []

    @model_validator(mode="after")
    def _something(self) -> _Writes:
        if not self.body and not self.files:
            raise ValueError("write something or attach a file")
        return self


class _Command(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)
    id: _Id | None = None

    @model_validator(mode="after")
    def _no_nul(self) -> _Command:
        refuse_nul(self)
        return self


class Sub(_Command):
    op: Literal["sub"]
    channel: DbId
    epoch: Annotated[str, Field(max_length=16)] | None = None
    seq: Annotated[int, Field(ge=0, le=MAX_ID)] | None = None


class Unsub(_Command):
    op: Literal["unsub"]
    channel: DbId


class SubMe(_Command):
    """Follow one's own stream (docs/protocol.md, "Your own stream")."""

    op: Literal["sub_me"]
    epoch: Annotated[str, Field(max_length=16)] | None = None
    seq: Annotated[int, Field(ge=0, le=MAX_ID)] | None = None


class PostCmd(_Command, _Writes):
    """``question``: ask it as a question (a direct conversation; every post of
    a Q&A channel is one); ``anonymous``: a newcomer's anonymous question in a
    Q&A channel (channels/questions.py)."""

    op: Literal["post"]
    channel: DbId
    cid: _Cid | None = None
    # Send anyway past the word check's warning (``word_warning``).
    acknowledge_warning: bool = False
    question: bool = False
    anonymous: bool = False
    # A poll whose question is the body (channels/polls.py; docs/protocol.md, "Polls").
    poll: PollCreate | None = None


class CommentCmd(_Command, _Writes):
    op: Literal["comment"]
    post: DbId
    cid: _Cid | None = None
    acknowledge_warning: bool = False


class EditCmd(_Command):
    """``body`` and ``files`` as given replace the post's; what is left out stays."""

    op: Literal["edit"]
    post: DbId
    body: _Text | None = None
    files: _Files | None = None
    cid: _Cid | None = None
    acknowledge_warning: bool = False

    @model_validator(mode="after")
    def _something(self) -> EditCmd:
        if self.body is None and self.files is None:
            raise ValueError("give the new body, the new files, or both")
        return self


class DeleteCmd(_Command):
    op: Literal["delete"]
    post: DbId
    cid: _Cid | None = None


class LikeCmd(_Command):
    op: Literal["like", "unlike"]
    post: DbId
    cid: _Cid | None = None


class Typing(_Command):
    op: Literal["typing"]
    channel: DbId


class Status(_Command):
    op: Literal["status"]
    status: Literal["online", "away"]


class Who(_Command):
    op: Literal["who"]
    channel: DbId


class Ping(_Command):
    op: Literal["ping"]


class Read(_Command):
    """Read ``channel`` up to ``seq`` (every device of one's follows)."""

    op: Literal["read"]
    channel: DbId
    seq: Annotated[int, Field(ge=0, le=MAX_ID)]


class SearchCmd(_Command):
    """``GET /api/search`` as a frame, its parameters named alike
    (channels/search.py checks them the same way)."""

    op: Literal["search"]
    q: Annotated[str, Field(max_length=MAX_QUERY_CHARS)]
    channel: DbId | None = None
    author: DbId | None = None
    since: Annotated[str, Field(max_length=40)] | None = None
    until: Annotated[str, Field(max_length=40)] | None = None
    within: Literal["posts", "comments"] | None = Field(default=None, alias="in")
    order: Literal["newest", "best"] | None = None
    before: DbId | None = None
    offset: Annotated[int, Field(ge=0, le=MAX_ID)] | None = None
    limit: Annotated[int, Field(ge=1, le=MAX_ID)] | None = None


class HomeCmd(_Command):
    """``GET /api/home`` as a frame, its parameters named alike (channels/home.py
    checks them the same way)."""

    op: Literal["home"]
    section: Literal["unread", "read"] | None = None
    before: DbId | None = None
    limit: Annotated[int, Field(ge=1, le=MAX_ID)] | None = None


class ReadAllCmd(_Command):
    """``POST /api/home/read``: every channel one is in read up to its head."""

    op: Literal["read_all"]


class ReadNotifications(_Command):
    """Mark one's notifications read: ``ids``, or ``all`` (every device follows)."""

    op: Literal["read_notifications"]
    ids: Annotated[list[DbId], Field(min_length=1, max_length=500)] | None = None
    all: bool = False

    @model_validator(mode="after")
    def _one_of(self) -> ReadNotifications:
        if (self.ids is None) == (not self.all):
            raise ValueError('give "ids" or "all": true, not both')
        return self


Command = Annotated[
    Sub
    | Unsub
    | SubMe
    | PostCmd
    | CommentCmd
    | EditCmd
    | DeleteCmd
    | LikeCmd
    | Typing
    | Status
    | Who
    | Ping
    | Read
    | SearchCmd
    | HomeCmd
    | ReadAllCmd
    | ReadNotifications,
    Field(discriminator="op"),
]
_commands: TypeAdapter[Command] = TypeAdapter(Command)
OPS: Final = frozenset(
    {
        "sub",
        "unsub",
        "sub_me",
        "post",
        "comment",
        "edit",
        "delete",
        "like",
        "unlike",
        "typing",
        "status",
        "who",
        "ping",
        "read",
        "search",
        "home",
        "read_all",
        "read_notifications",
    }
)


def parse_command(frame: dict[str, Any]) -> Command:
    """Validate one decoded frame. Raises ProtocolError with ``unknown_op`` or
    ``invalid`` (naming the first bad field), carrying the frame's id if it had one."""
    raw_id = frame.get("id")
    frame_id = raw_id if isinstance(raw_id, int) and not isinstance(raw_id, bool) else None
    op = frame.get("op")
    if not isinstance(op, str) or op not in OPS:
        raise ProtocolError("unknown_op", f"unknown op {op!r}", frame_id)
    try:
        return _commands.validate_python(frame)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"][1:]) or "frame"
        raise ProtocolError("invalid", f"{where}: {first['msg']}", frame_id) from None


# ---- server frames -----------------------------------------------------------


def hello(user: dict[str, Any], encoding: str, limits: dict[str, int]) -> dict[str, Any]:
    return {
        "type": "hello",
        "v": PROTOCOL_VERSION,
        "encoding": encoding,
        "user": user,
        "limits": limits,
    }


def subbed(stream: str, frame_id: int | None, key: int, replay: Replay) -> dict[str, Any]:
    """``subbed`` for a channel, ``subbed_me`` for one's own stream: the position
    live events continue from (``seq``: the head) and whether what followed the
    client's position is replayed first."""
    frame: dict[str, Any] = {
        "type": "subbed" if stream == "channel" else "subbed_me",
        "id": frame_id,
    }
    if stream == "channel":
        frame["channel"] = key
    frame.update(epoch=replay.epoch, seq=replay.head, recovered=replay.recovered)
    return frame


def stream_event(ev: Positioned) -> dict[str, Any]:
    """``event`` for a channel's event, ``personal`` for one of one's own stream."""
    frame: dict[str, Any] = {"type": "event" if ev.stream == "channel" else "personal"}
    if ev.stream == "channel":
        frame["channel"] = ev.key
    frame.update(epoch=ev.epoch, seq=ev.seq, kind=ev.kind, data=ev.data, at=ev.at)
    if ev.cid is not None:
        frame["cid"] = ev.cid
    return frame


def ack(frame_id: int | None, receipt: Receipt) -> dict[str, Any]:
    frame: dict[str, Any] = {
        "type": "ack",
        "id": frame_id,
        "channel": receipt.channel_id,
        "epoch": receipt.epoch,
        "seq": receipt.seq,
        "duplicate": receipt.duplicate,
    }
    if receipt.post is not None:
        frame["post"] = receipt.post.model_dump()
    return frame


def error(
    frame_id: int | None, code: str, message: str, details: dict[str, Any] | None = None
) -> dict[str, Any]:
    """``details``: what the error carries beside its code, as HTTP errors do
    (``word_warning``: ``level``, ``field``, ``matches``; ``muted``: ``until``);
    they never replace the frame's own fields."""
    return {**(details or {}), "type": "error", "id": frame_id, "code": code, "message": message}


def presence(user_id: int, status: str) -> dict[str, Any]:
    return {"type": "presence", "user": user_id, "status": status}


def typing(channel: int, user_id: int, name: str) -> dict[str, Any]:
    return {"type": "typing", "channel": channel, "user": user_id, "name": name}


def who(frame_id: int | None, channel: int, statuses: dict[int, str]) -> dict[str, Any]:
    return {
        "type": "who",
        "id": frame_id,
        "channel": channel,
        "users": [{"user": u, "status": s} for u, s in sorted(statuses.items())],
    }


def unsubbed(frame_id: int | None, channel: int, reason: str | None = None) -> dict[str, Any]:
    """The answer to ``unsub``, or (with a reason and no id) a subscription the
    server ended: the person lost access to the channel."""
    frame: dict[str, Any] = {"type": "unsubbed", "id": frame_id, "channel": channel}
    if reason is not None:
        frame["reason"] = reason
    return frame


def read(frame_id: int | None, channel: int, seq: int, unread: int) -> dict[str, Any]:
    """The answer to ``read``: where one has read up to now, and what is left."""
    return {"type": "read", "id": frame_id, "channel": channel, "seq": seq, "unread": unread}


def notifications_read(frame_id: int | None, unread_count: int) -> dict[str, Any]:
    """The answer to ``read_notifications``: one's unread notifications now."""
    return {"type": "notifications_read", "id": frame_id, "unread_count": unread_count}


def pong(frame_id: int | None) -> dict[str, Any]:
    return {"type": "pong", "id": frame_id}


def search(frame_id: int | None, page: SearchPage) -> dict[str, Any]:
    """The answer to ``search``: ``terms``, ``results``, ``before``, ``offset``
    as ``GET /api/search`` answers them."""
    return {"type": "search", "id": frame_id, **page.model_dump()}


def tallied(announcement_id: int) -> dict[str, Any]:
    """An announcement's confirmations changed (to its author and admins, at
    most a few times a second): ``{"type": "tallied", "announcement": 4}``.
    Ephemeral, like ``typing``: a page showing its rate asks for it again."""
    return {"type": "tallied", "announcement": announcement_id}


def commented(announcement_id: int, count: int) -> dict[str, Any]:
    """An announcement's comments changed, for people who may read it (at most
    a few times a second): ``{"type": "commented", "announcement": 4, "count": 3}``."""
    return {"type": "commented", "announcement": announcement_id, "count": count}


def home(frame_id: int | None, page: HomePage) -> dict[str, Any]:
    """The answer to ``home``: ``must_read``, ``posts``, ``section``, ``before``
    as ``GET /api/home`` answers them."""
    return {"type": "home", "id": frame_id, **page.model_dump()}


def read_all(frame_id: int | None, done: ReadAll) -> dict[str, Any]:
    """The answer to ``read_all``: the channels it moved (``read.moved`` follows
    for each in one's own stream)."""
    return {"type": "read_all", "id": frame_id, **done.model_dump()}
