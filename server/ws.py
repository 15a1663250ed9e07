"""The WebSocket endpoint (``/ws``): authenticate, pick the encoding from the
subprotocol, then run two loops per connection: a reader that turns frames
into actions one at a time, and a writer that drains the bounded outbox
(frames go straight to the socket when nothing is queued: server/wire.py).

New posts are pipelined: the reader hands them to the node's post batcher
(server/batching.py) and reads on, so a client's burst of posts is written
in a few transactions; any other frame first waits until this connection's
posts are written, so it sees them.
Frame formats, error codes, close codes and limits: docs/protocol.md."""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from typing import Any

from sqlmodel import col, select
from starlette.websockets import WebSocket, WebSocketDisconnect

from channels import actions
from channels.access import access_channel
from channels.models import Membership, Written
from channels.protocol import frames
from channels.protocol.codec import choose_encoding, decode
from channels.protocol.errors import (
    CLOSE_FLOOD,
    CLOSE_FORBIDDEN,
    CLOSE_UNAUTHORIZED,
    ProtocolError,
)
from core.errors import DomainError
from presence.base import Status
from server.api import authenticate, origin_allowed
from server.outbox import Connection
from server.services import Services
from server.wire import wire_for

log = logging.getLogger(__name__)

WRITER_GRACE = 5.0  # seconds the writer may take to flush before the handler gives up on it
MAX_PIPELINED_POSTS = 100  # a connection's posts handed on and not yet written


class _Bucket:
    """Token bucket: ``rate`` frames a second sustained, ``burst`` at once."""

    def __init__(self, rate: int, burst: int) -> None:
        self.rate = rate
        self.burst = burst
        self.tokens = float(burst)
        self.stamp = time.monotonic()
        self.refused = 0

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1:
            self.tokens -= 1
            self.refused = 0
            return True
        self.refused += 1
        return False


async def websocket_endpoint(websocket: WebSocket) -> None:
    services: Services = websocket.app.state.services
    settings = services.settings
    offered: list[str] = list(websocket.scope.get("subprotocols", []))
    encoding = choose_encoding(offered)
    if encoding is None:
        await websocket.close(code=1002, reason="unsupported subprotocol: offer json or msgpack")
        return
    principal = await authenticate(websocket, services)
    await websocket.accept(subprotocol=encoding.value if offered else None)
    if principal is None:
        await websocket.close(CLOSE_UNAUTHORIZED, "sign in first")
        return
    # Browsers attach cookies to cross-site WebSocket upgrades; only pages
    # served from an allowed origin may use them.
    if principal.session is not None and not origin_allowed(websocket, settings.allowed_origins):
        await websocket.close(CLOSE_FORBIDDEN, "origin not allowed")
        return

    conn = Connection(
        user=principal.user,
        encoding=encoding,
        limit=settings.outbox_frames,
        wire=wire_for(websocket),
    )
    conn.on_overflow = services.metrics.slow_closes.inc
    session = _Session(services, websocket, conn)
    await session.run()


def _frame_id(conn: Connection, payload: str | bytes) -> int | None:
    """The id of a frame that will not be acted on, so its sender can retry it."""
    try:
        frame_id = decode(conn.encoding, payload).get("id")
    except ProtocolError:
        return None
    return frame_id if isinstance(frame_id, int) and not isinstance(frame_id, bool) else None


class _Session:
    def __init__(self, services: Services, websocket: WebSocket, conn: Connection) -> None:
        self.services = services
        self.websocket = websocket
        self.conn = conn
        settings = services.settings
        self.bucket = _Bucket(settings.frame_rate, settings.frame_burst)
        self.posting: set[asyncio.Future[Written]] = set()

    def send(self, frame: dict[str, Any]) -> None:
        self.conn.send(frame)

    async def run(self) -> None:
        services, conn = self.services, self.conn
        writer = asyncio.create_task(conn.drain())
        services.hub.register(conn)
        user = conn.user
        self.send(
            frames.hello(
                {"id": user.id, "display_name": user.display_name, "role": user.role},
                conn.encoding.value,
                {
                    "max_frame_bytes": services.settings.max_frame_bytes,
                    "frame_rate": services.settings.frame_rate,
                    "max_subscriptions": services.settings.max_subscriptions,
                    "outbox_frames": conn.limit,
                },
            )
        )
        await services.signals.set_status(conn, Status.online)
        try:
            await self._read_loop()
        except (WebSocketDisconnect, RuntimeError):
            pass
        finally:
            await services.hub.unregister(conn)
            await services.signals.set_status(conn, None)
            conn.close(1000, "bye")
            try:
                await asyncio.wait_for(writer, WRITER_GRACE)
            except (TimeoutError, Exception):
                writer.cancel()

    async def _read_loop(self) -> None:
        while self.conn.close_code is None:
            message = await self.websocket.receive()
            if message["type"] == "websocket.disconnect":
                return
            payload = message.get("text")
            if payload is None:
                payload = message.get("bytes")
            if payload is None:
                continue
            if not self.bucket.take():
                if self.bucket.refused > self.bucket.burst:
                    self.conn.close(CLOSE_FLOOD, "too many frames: slow down and reconnect")
                    return
                dropped = _frame_id(self.conn, payload)
                self.send(frames.error(dropped, "rate_limited", "too many frames; retry later"))
                continue
            await self._handle(payload)

    async def _handle(self, payload: str | bytes) -> None:
        frame_id: int | None = None
        try:
            command = frames.parse_command(decode(self.conn.encoding, payload))
            frame_id = command.id
            if isinstance(command, frames.PostCmd):
                await self._post(command)
                return
            if self.posting:
                await asyncio.wait(self.posting)
            reply = await self._dispatch(command)
            if reply is not None:
                self.send(reply)
        except Exception as exc:
            self._fail(frame_id, exc)

    def _fail(self, frame_id: int | None, exc: BaseException) -> None:
        if isinstance(exc, ProtocolError):
            self.send(
                frames.error(
                    exc.frame_id if exc.frame_id is not None else frame_id, exc.code, exc.message
                )
            )
        elif isinstance(exc, DomainError):
            self.send(frames.error(frame_id, exc.code, exc.message))
        else:
            log.error("frame failed", exc_info=exc)
            self.send(frames.error(frame_id, "internal", "the server failed on this frame"))

    async def _post(self, cmd: frames.PostCmd) -> None:
        """Hand a post to the batcher and read on; its ack follows when it is written."""
        if len(self.posting) >= MAX_PIPELINED_POSTS:
            await asyncio.wait(self.posting, return_when=asyncio.FIRST_COMPLETED)
        post = actions.NewPost(self.conn.user, cmd.channel, cmd.body, cmd.cid)
        written = self.services.posts.submit(post)
        self.posting.add(written)
        written.add_done_callback(functools.partial(self._posted, cmd.id))

    def _posted(self, frame_id: int | None, written: asyncio.Future[Written]) -> None:
        self.posting.discard(written)
        if written.cancelled():
            return
        exc = written.exception()
        if exc is None:
            self.send(frames.ack(frame_id, written.result()))
        else:
            self._fail(frame_id, exc)

    async def _dispatch(self, cmd: frames.Command) -> dict[str, Any] | None:
        services, conn, user = self.services, self.conn, self.conn.user
        db = services.db
        match cmd:
            case frames.Ping():
                return frames.pong(cmd.id)
            case frames.Sub():
                if (
                    cmd.channel not in conn.channels
                    and len(conn.channels) >= services.settings.max_subscriptions
                ):
                    raise ProtocolError(
                        "too_many_subscriptions",
                        f"at most {services.settings.max_subscriptions} channels",
                    )
                async with db.reader() as session:
                    await access_channel(session, user, cmd.channel)
                if cmd.channel in conn.channels:
                    await services.hub.unsubscribe(conn, cmd.channel)
                await services.hub.subscribe(conn, cmd.channel, cmd.id, cmd.epoch, cmd.seq)
                return None
            case frames.Unsub():
                await services.hub.unsubscribe(conn, cmd.channel)
                return {"type": "unsubbed", "id": cmd.id, "channel": cmd.channel}
            case frames.CommentCmd():
                written = await services.act(
                    actions.do_create_comment, user, cmd.post, cmd.body, cmd.cid
                )
            case frames.EditCmd():
                written = await services.act(
                    actions.do_edit_post, user, cmd.post, cmd.body, cmd.cid
                )
            case frames.DeleteCmd():
                written = await services.act(actions.do_delete_post, user, cmd.post, cmd.cid)
            case frames.LikeCmd():
                written = await services.act(
                    actions.do_set_like, user, cmd.post, cmd.op == "like", cmd.cid
                )
            case frames.Typing():
                if cmd.channel not in conn.channels:
                    raise ProtocolError("not_subscribed", "subscribe to the channel first", cmd.id)
                await services.signals.typing(conn, cmd.channel)
                return None
            case frames.Status():
                conn.status = Status(cmd.status)
                await services.signals.set_status(conn, conn.status)
                return None
            case frames.Who():
                async with db.reader() as session:
                    await access_channel(session, user, cmd.channel)
                    members = (
                        await session.exec(
                            select(Membership.user_id).where(
                                col(Membership.channel_id) == cmd.channel
                            )
                        )
                    ).all()
                statuses = await services.signals.store.statuses(members)
                return frames.who(cmd.id, cmd.channel, {u: s.value for u, s in statuses.items()})
        return frames.ack(cmd.id, written)
