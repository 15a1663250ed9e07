"""The WebSocket endpoint (``/ws``): authenticate, pick the encoding from the
subprotocol, then pump: frames from the socket go to the connection's
``Peer`` (channels/protocol/peer.py, which holds every per-connection rule
and has no awaits), and what it asks for is carried out here, where the I/O
is. A writer task per connection drains its bounded outbox (frames go
straight to the socket when nothing is queued: server/wire.py).

New posts are pipelined: they go to the node's post batcher
(server/batching.py) and the pump reads on, so a client's burst of posts is
written in a few transactions; any other command first waits until this
connection's posts are written, so it sees them.
Frame formats, error codes, close codes and limits: docs/protocol.md."""

from __future__ import annotations

import asyncio
import functools
import logging
import time

from sqlmodel import col, select
from starlette.websockets import WebSocket, WebSocketDisconnect

from channels import home, reading, search
from channels.access import access_channel
from channels.actions import posts
from channels.facts import CHANNEL
from channels.models import Membership, Receipt
from channels.protocol import frames
from channels.protocol.codec import choose_encoding
from channels.protocol.errors import (
    CLOSE_FORBIDDEN,
    CLOSE_TOO_MANY_SOCKETS,
    CLOSE_UNAUTHORIZED,
)
from channels.protocol.peer import Close, Limits, Peer, Reply, Run
from notify import reads as notify_reads
from notify.models import MarkRead
from org.models import User
from org.stream import PERSON
from presence.base import Status
from server.api import authenticate, origin_allowed
from server.outbox import Connection
from server.routes.home import feed, read_all
from server.services import Services
from server.wire import wire_for

log = logging.getLogger(__name__)

WRITER_GRACE = 5.0  # seconds the writer may take to flush before the handler gives up on it
MAX_PIPELINED_POSTS = 100


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
    user_id = principal.user.id or 0
    if await services.presence.connection_count(user_id) >= settings.max_sockets_per_person:
        await websocket.close(
            CLOSE_TOO_MANY_SOCKETS,
            f"at most {settings.max_sockets_per_person} connections at once: close some",
        )
        return

    conn = Connection(
        user=principal.user,
        encoding=encoding,
        limit=settings.outbox_frames,
        wire=wire_for(websocket),
        credential=principal.credential,
        on_overflow=services.metrics.slow_closes.inc,
    )
    limits = Limits(
        frame_rate=settings.frame_rate,
        frame_burst=settings.frame_burst,
        max_subscriptions=settings.max_subscriptions,
        max_pipelined_posts=MAX_PIPELINED_POSTS,
    )
    peer = Peer(encoding, limits, time.monotonic(), services.limits.frames(user_id))
    await _Pump(services, websocket, conn, peer).run()


class _Pump:
    def __init__(self, services: Services, websocket: WebSocket, conn: Connection, peer: Peer):
        self.services = services
        self.websocket = websocket
        self.conn = conn
        self.peer = peer
        self.posting: set[asyncio.Future[Receipt]] = set()

    async def run(self) -> None:
        services, conn = self.services, self.conn
        writer = asyncio.create_task(conn.drain())
        services.hub.register(conn)
        user = conn.user
        conn.send(
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
        await services.presence.set_status(conn, Status.online)
        try:
            await self._read_loop()
        except (WebSocketDisconnect, RuntimeError):
            pass
        finally:
            await services.hub.unregister(conn)
            await services.presence.set_status(conn, None)
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
            while self.conn.lost:  # subscriptions the server ended (access lost)
                self.peer.unsubscribed(self.conn.lost.pop())
            for intent in self.peer.receive(payload, time.monotonic()):
                match intent:
                    case Reply(frame):
                        self.conn.send(frame)
                    case Close(code, reason):
                        self.conn.close(code, reason)
                        return
                    case Run(command, barrier):
                        if barrier and self.posting:
                            await asyncio.wait(self.posting)
                        try:
                            await self._run(command)
                        except Exception as exc:
                            self.conn.send(self.peer.failure(command.id, exc))

    async def _run(self, cmd: frames.Command) -> None:
        services, conn, peer = self.services, self.conn, self.peer
        user = conn.user
        match cmd:
            case frames.PostCmd():
                await self._post(cmd)
            case frames.Sub():
                async with services.db.reader() as db:
                    access = await access_channel(db, user, cmd.channel)
                topic = CHANNEL.topic(cmd.channel)
                if access.since_post is not None:
                    conn.since_post[topic] = access.since_post
                else:
                    conn.since_post.pop(topic, None)
                if cmd.channel in peer.channels:
                    await services.hub.unsubscribe(conn, CHANNEL, cmd.channel)
                peer.subscribed(cmd.channel)
                try:
                    await services.hub.subscribe(
                        conn, CHANNEL, cmd.channel, cmd.id, cmd.epoch, cmd.seq
                    )
                except BaseException:
                    peer.unsubscribed(cmd.channel)
                    raise
            case frames.Unsub():
                peer.unsubscribed(cmd.channel)
                await services.hub.unsubscribe(conn, CHANNEL, cmd.channel)
                conn.send(frames.unsubbed(cmd.id, cmd.channel))
            case frames.SubMe():
                await services.hub.unsubscribe(conn, PERSON, conn.user_id)
                await services.hub.subscribe(conn, PERSON, conn.user_id, cmd.id, cmd.epoch, cmd.seq)
            case frames.CommentCmd():
                self._ack(
                    cmd,
                    await services.act(
                        posts.do_create_comment,
                        user,
                        cmd.post,
                        cmd.body,
                        cmd.cid,
                        cmd.files,
                        cmd.acknowledge_warning,
                    ),
                )
            case frames.EditCmd():
                edit = posts.do_edit_post
                self._ack(
                    cmd,
                    await services.act(
                        edit, user, cmd.post, cmd.body, cmd.cid, cmd.files, cmd.acknowledge_warning
                    ),
                )
            case frames.DeleteCmd():
                self._ack(cmd, await services.act(posts.do_delete_post, user, cmd.post, cmd.cid))
            case frames.LikeCmd():
                liked = cmd.op == "like"
                self._ack(
                    cmd, await services.act(posts.do_set_like, user, cmd.post, liked, cmd.cid)
                )
            case frames.Typing():
                # Against the rights of now: one who left or was removed since
                # subscribing no longer types into it.
                async with services.db.reader() as db:
                    access = await access_channel(db, user, cmd.channel)
                access.require_post()
                await services.presence.typing(conn, cmd.channel)
            case frames.Status():
                conn.status = Status(cmd.status)
                await services.presence.set_status(conn, conn.status)
            case frames.Read():
                state = await services.act(reading.do_mark_read, user, cmd.channel, cmd.seq)
                conn.send(frames.read(cmd.id, state.channel_id, state.seq, state.unread))
            case frames.ReadNotifications():
                choice = MarkRead(ids=cmd.ids, all=cmd.all)
                answer = await services.act(notify_reads.do_read_notifications, user, choice)
                conn.send(frames.notifications_read(cmd.id, answer.unread_count))
            case frames.Who():
                async with services.db.reader() as db:
                    await access_channel(db, user, cmd.channel)
                    members = (
                        await db.exec(
                            select(Membership.user_id)
                            .join(User, col(User.id) == col(Membership.user_id))
                            .where(col(Membership.channel_id) == cmd.channel, col(User.is_active))
                        )
                    ).all()
                statuses = await services.presence.statuses(members)
                conn.send(
                    frames.who(cmd.id, cmd.channel, {u: s.value for u, s in statuses.items()})
                )
            case frames.SearchCmd():
                ask = search.ask(
                    cmd.q,
                    channel=cmd.channel,
                    author=cmd.author,
                    since=cmd.since,
                    until=cmd.until,
                    within=cmd.within,
                    order=cmd.order,
                    before=cmd.before,
                    offset=cmd.offset,
                    limit=cmd.limit,
                )
                async with services.db.connection() as db_conn:
                    page = await search.search(db_conn, user, ask)
                conn.send(frames.search(cmd.id, page))
                await services.analytics.searched(user.id)
            case frames.HomeCmd():
                section, before, limit = home.ask(cmd.section, cmd.before, cmd.limit)
                async with services.db.connection() as db_conn:
                    fed = await feed(db_conn, user, section=section, before=before, limit=limit)
                conn.send(frames.home(cmd.id, fed))
            case frames.ReadAllCmd():
                conn.send(frames.read_all(cmd.id, await read_all(services, user)))

    def _ack(self, cmd: frames.Command, receipt: Receipt) -> None:
        self.conn.send(self.peer.answer(cmd.id, receipt))

    async def _post(self, cmd: frames.PostCmd) -> None:
        """Hand a post to the batcher and read on; its ack follows when it is written."""
        if self.peer.pipeline_full:
            await asyncio.wait(self.posting, return_when=asyncio.FIRST_COMPLETED)
        post = posts.NewPost(
            self.conn.user,
            cmd.channel,
            cmd.body,
            cmd.cid,
            cmd.files,
            question=cmd.question,
            anonymous=cmd.anonymous,
            acknowledged=cmd.acknowledge_warning,
            poll=cmd.poll,
        )
        written = self.services.posts.submit(post)
        self.peer.post_sent()
        self.posting.add(written)
        written.add_done_callback(functools.partial(self._posted, cmd.id))

    def _posted(self, frame_id: int | None, written: asyncio.Future[Receipt]) -> None:
        self.posting.discard(written)
        if written.cancelled():
            self.peer.post_answered(frame_id, asyncio.CancelledError())
            return
        exc = written.exception()
        self.conn.send(
            self.peer.post_answered(frame_id, exc if exc is not None else written.result())
        )
