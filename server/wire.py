"""How a connection's frames reach its socket.

Fan-out is the hot path: one event goes to every subscriber of a channel. A
server-to-client WebSocket frame is not masked, so its bytes are the same for
every subscriber: ``Outgoing`` builds them once, and ``DirectWire`` writes
them straight to each connection's transport when the socket takes them
without waiting (as ``websockets.broadcast()`` does), with no task switch
and no trip through the ASGI layers. A connection that is behind keeps its
frames in its outbox (server/outbox.py) and its writer task waits for the
socket to drain.

The direct path needs the transport, which ASGI hides: ``DirectProtocol``
is uvicorn's sans-I/O WebSocket protocol that hands itself to the app in the
scope's extensions. Under any other server ``AsgiWire`` sends through the
ASGI interface, slower but the same to clients.
"""

from __future__ import annotations

import contextlib
import logging
from typing import Any, Protocol

from starlette.websockets import WebSocket, WebSocketDisconnect
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.frames import Frame, Opcode
from websockets.protocol import State

DIRECT_EXTENSION = "kaisha.direct_wire"

log = logging.getLogger(__name__)


class Outgoing:
    """One frame's payload, and its wire bytes built on first use."""

    __slots__ = ("_wire", "payload")

    def __init__(self, payload: str | bytes) -> None:
        self.payload = payload
        self._wire: bytes | None = None

    @property
    def wire(self) -> bytes:
        wire = self._wire
        if wire is None:
            if isinstance(self.payload, str):
                frame = Frame(Opcode.TEXT, self.payload.encode())
            else:
                frame = Frame(Opcode.BINARY, self.payload)
            wire = self._wire = frame.serialize(mask=False, extensions=[])
        return wire


class Wire(Protocol):
    def try_write(self, frame: Outgoing) -> bool:
        """Write now if the socket takes it without waiting; False otherwise."""

    async def write(self, frame: Outgoing) -> None:
        """Write, waiting for the socket to drain; WebSocketDisconnect if it is gone."""

    async def close(self, code: int, reason: str) -> None: ...


class AsgiWire:
    """Through the ASGI interface: every write awaits the server."""

    def __init__(self, websocket: WebSocket) -> None:
        self._websocket = websocket

    def try_write(self, frame: Outgoing) -> bool:
        return False

    async def write(self, frame: Outgoing) -> None:
        if isinstance(frame.payload, str):
            await self._websocket.send_text(frame.payload)
        else:
            await self._websocket.send_bytes(frame.payload)

    async def close(self, code: int, reason: str) -> None:
        with contextlib.suppress(Exception):  # the client may be gone already
            await self._websocket.close(code, reason)


class DirectWire(AsgiWire):
    """Straight to the transport of a ``DirectProtocol`` connection. Closing stays
    with uvicorn (``AsgiWire.close``), which keeps its state right."""

    def __init__(self, websocket: WebSocket, protocol: DirectProtocol) -> None:
        super().__init__(websocket)
        self._protocol = protocol

    def _open(self) -> bool:
        p = self._protocol
        return not (p.close_sent or p.disconnected) and p.conn.state is State.OPEN

    def try_write(self, frame: Outgoing) -> bool:
        p = self._protocol
        if p.writable.is_set() and self._open():
            p.transport.write(frame.wire)
            return True
        return False

    async def write(self, frame: Outgoing) -> None:
        await self._protocol.writable.wait()
        if not self._open():
            raise WebSocketDisconnect(1006)
        self._protocol.transport.write(frame.wire)


def wire_for(websocket: WebSocket) -> Wire:
    """The fastest wire this server offers for an accepted WebSocket."""
    protocol = websocket.scope.get("extensions", {}).get(DIRECT_EXTENSION, {}).get("protocol")
    if (
        isinstance(protocol, DirectProtocol)
        # What DirectWire reads of uvicorn's protocol (should a release rename it,
        # the ASGI path still works, and tests/integration/test_wire.py says so).
        and all(hasattr(protocol, a) for a in _USED_ATTRIBUTES)
        # Frames are built once for everyone: only without per-connection
        # extensions (permessage-deflate would compress per connection).
        and not protocol.conn.extensions
    ):
        return DirectWire(websocket, protocol)
    return AsgiWire(websocket)


_USED_ATTRIBUTES = ("conn", "transport", "writable", "close_sent", "disconnected")


class DirectProtocol(WebSocketsSansIOProtocol):
    """uvicorn's ``websockets-sansio`` protocol, offering itself to the app."""

    def send_receive_event_to_app(self) -> None:
        # A text frame that is not UTF-8 is the client's mistake: close it with
        # 1007 as uvicorn does, but without logging a server error and a
        # traceback for it.
        if self.curr_msg_data_type == "text" and not self.close_sent:
            try:
                b"".join(self.frames).decode()
            except UnicodeDecodeError:
                self.frames = []
                log.info("a client sent a text frame that is not UTF-8: closed with 1007")
                self.conn.send_close(1007)
                self.handle_parser_exception()
                return
        super().send_receive_event_to_app()

    def handle_connect(self, event: Any) -> None:
        super().handle_connect(event)
        scope: Any = getattr(self, "scope", None)
        if scope is not None:  # the upgrade went to the app (the task has not run yet)
            scope.setdefault("extensions", {})[DIRECT_EXTENSION] = {"protocol": self}
