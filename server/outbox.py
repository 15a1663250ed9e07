"""One live connection's bounded outbox.

Fan-out never awaits a client: the hub offers already-encoded frames and moves
on. A frame offered while nothing is queued goes straight to the socket if it
takes it without waiting (server/wire.py); otherwise it joins the outbox, and
a writer task per connection drains the outbox into the socket in order. When
a client reads too slowly and its outbox is full, the connection is closed
with ``CLOSE_SLOW_CONSUMER``; the client reconnects and resumes from its last
seq, so nothing is lost and nobody else waits for it.
"""

from __future__ import annotations

import asyncio
import collections
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from channels.protocol.codec import Encoding, encode
from channels.protocol.errors import CLOSE_SLOW_CONSUMER
from org.models import User
from presence.base import Status
from server.wire import Outgoing, Wire


@dataclass(eq=False, slots=True)
class Connection:
    user: User
    encoding: Encoding
    limit: int
    wire: Wire
    conn_id: str = field(default_factory=lambda: secrets.token_hex(8))
    status: Status = Status.online
    # The digest of the credential it was opened with (a session cookie or an API
    # token): ending that session or revoking that token closes exactly its
    # connections.
    credential: str = ""
    follows: set[str] = field(default_factory=set)  # stream topics it follows ("channel.5")
    # Channels whose subscription the server ended (access lost), for the pump
    # to tell the connection's protocol state.
    lost: list[int] = field(default_factory=list)
    # Group conversations it follows that its person was added to: the post up
    # to which events are withheld from them, by topic (channels/direct.py).
    since_post: dict[str, int] = field(default_factory=dict)
    # Frames not yet written, oldest first; the writer leaves the one it is
    # writing at the front until it is out, so no direct write overtakes it.
    queue: collections.deque[Outgoing] = field(default_factory=collections.deque)
    # The idle writer's wake-up: a bare future, made only when the writer goes idle
    # (an asyncio.Event costs a new future and list upkeep on every offer).
    waiter: asyncio.Future[None] | None = None
    drained: asyncio.Event = field(default_factory=asyncio.Event)
    close_code: int | None = None
    close_reason: str = ""
    on_overflow: Callable[[], None] = lambda: None

    @property
    def user_id(self) -> int:
        assert self.user.id is not None
        return self.user.id

    def send(self, frame: dict[str, Any]) -> bool:
        """Encode a frame for this connection alone and offer it."""
        return self.offer(Outgoing(encode(self.encoding, frame)))

    def offer(self, frame: Outgoing) -> bool:
        """Write or queue a frame without waiting. False if the connection is closing."""
        if self.close_code is not None:
            return False
        if not self.queue and self.wire.try_write(frame):
            return True
        if len(self.queue) >= self.limit:
            self.on_overflow()
            self.close(CLOSE_SLOW_CONSUMER, "too slow: reconnect and resume", drop_pending=True)
            return False
        self.queue.append(frame)
        self._wake()
        return True

    def _wake(self) -> None:
        waiter = self.waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def close(self, code: int, reason: str, *, drop_pending: bool = False) -> None:
        """Ask the writer to close after sending what is queued (or drop it)."""
        if self.close_code is not None:
            return
        if drop_pending:
            self.queue.clear()
        self.close_code = code
        self.close_reason = reason
        self._wake()

    async def wait_for_room(self, frames: int) -> None:
        """For one connection's own bulk sends (replay): wait until ``frames`` more
        fit. Fan-out never calls this."""
        while self.close_code is None and len(self.queue) + frames > self.limit:
            self.drained.clear()
            await self.drained.wait()

    async def drain(self) -> None:
        """The writer loop: returns after sending the close frame."""
        queue, wire = self.queue, self.wire
        while True:
            if not queue and self.close_code is None:
                self.waiter = asyncio.get_running_loop().create_future()
                try:
                    await self.waiter
                finally:
                    self.waiter = None
            while queue:
                frame = queue[0]
                if not wire.try_write(frame):
                    await wire.write(frame)
                if queue and queue[0] is frame:  # (a slow-consumer close may have cleared it)
                    queue.popleft()
            self.drained.set()
            if self.close_code is not None:
                await wire.close(self.close_code, self.close_reason)
                return
