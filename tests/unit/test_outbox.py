"""The bounded outbox: offers never wait, frames go straight out when nothing is
queued and the socket takes them, order holds when it does not, and overflow
closes with the slow-consumer code."""

from __future__ import annotations

import asyncio

from channels.protocol.codec import Encoding
from channels.protocol.errors import CLOSE_SHUTDOWN, CLOSE_SLOW_CONSUMER
from org.models import User
from server.outbox import Connection
from server.wire import Outgoing


class _Socket:
    """A wire whose socket can be made to stop taking frames, recording what it got."""

    def __init__(self, *, direct: bool = True) -> None:
        self.direct = direct
        self.writable = asyncio.Event()
        self.writable.set()
        self.sent: list[str | bytes] = []
        self.closed: list[int] = []

    def try_write(self, frame: Outgoing) -> bool:
        if self.direct and self.writable.is_set():
            self.sent.append(frame.payload)
            return True
        return False

    async def write(self, frame: Outgoing) -> None:
        await self.writable.wait()
        self.sent.append(frame.payload)

    async def close(self, code: int, reason: str) -> None:
        self.closed.append(code)


def _conn(limit: int, wire: _Socket) -> Connection:
    return Connection(
        user=User(id=1, email="a@b.c", display_name="A"),
        encoding=Encoding.json,
        limit=limit,
        wire=wire,
    )


def _offer(conn: Connection, *payloads: str) -> list[bool]:
    return [conn.offer(Outgoing(p)) for p in payloads]


async def test_frames_go_straight_out_while_the_socket_takes_them() -> None:
    wire = _Socket()
    conn = _conn(3, wire)
    assert _offer(conn, "a", "b", "c", "d", "e") == [True] * 5
    assert wire.sent == ["a", "b", "c", "d", "e"] and not conn.queue


async def test_a_blocked_socket_queues_and_the_writer_keeps_order() -> None:
    wire = _Socket()
    conn = _conn(10, wire)
    writer = asyncio.create_task(conn.drain())
    wire.writable.clear()
    _offer(conn, "a", "b")
    await asyncio.sleep(0)  # the writer now waits on the socket with "a" at the front
    wire.writable.set()
    # The socket is writable again before the writer has run: a new frame must
    # still queue behind "a" and "b", not overtake them.
    _offer(conn, "c")
    assert wire.sent == [] and len(conn.queue) == 3
    await asyncio.sleep(0.01)
    _offer(conn, "d")  # nothing queued any more: straight out
    assert wire.sent == ["a", "b", "c", "d"]
    conn.close(CLOSE_SHUTDOWN, "restarting")
    await asyncio.wait_for(writer, 1)
    assert wire.closed == [CLOSE_SHUTDOWN]


async def test_overflow_closes_with_slow_consumer_code_and_drops_queue() -> None:
    overflowed: list[bool] = []
    wire = _Socket()
    wire.writable.clear()
    conn = _conn(3, wire)
    conn.on_overflow = lambda: overflowed.append(True)
    assert _offer(conn, "f0", "f1", "f2") == [True] * 3
    assert _offer(conn, "f3") == [False]
    assert conn.close_code == CLOSE_SLOW_CONSUMER and overflowed == [True]
    assert not conn.queue
    assert _offer(conn, "late") == [False]

    await conn.drain()
    assert wire.sent == [] and wire.closed == [CLOSE_SLOW_CONSUMER]


async def test_overflow_while_the_writer_waits_on_the_socket() -> None:
    wire = _Socket()
    wire.writable.clear()
    conn = _conn(2, wire)
    writer = asyncio.create_task(conn.drain())
    _offer(conn, "a", "b", "c")
    assert conn.close_code == CLOSE_SLOW_CONSUMER
    wire.writable.set()
    await asyncio.wait_for(writer, 1)
    assert wire.closed == [CLOSE_SLOW_CONSUMER]


async def test_shutdown_close_sends_queued_frames_first() -> None:
    for direct in (True, False):  # the direct wire and the ASGI one alike
        wire = _Socket(direct=direct)
        wire.writable.clear()
        conn = _conn(10, wire)
        _offer(conn, "a", "b")
        conn.close(CLOSE_SHUTDOWN, "restarting")
        wire.writable.set()
        await conn.drain()
        assert wire.sent == ["a", "b"] and wire.closed == [CLOSE_SHUTDOWN]


def test_outgoing_frames_are_server_frames_built_once() -> None:
    text = Outgoing('{"type":"pong"}')
    assert text.wire == b"\x81\x0f" + b'{"type":"pong"}'  # FIN + text, unmasked, length 15
    assert text.wire is text.wire
    big = Outgoing(b"x" * 300)
    assert big.wire[:4] == b"\x82\x7e\x01\x2c"  # FIN + binary, 16-bit length 300
