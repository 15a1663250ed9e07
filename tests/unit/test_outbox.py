"""The bounded outbox: offers never wait; overflow closes with the slow-consumer code."""

from __future__ import annotations

from channels.protocol.codec import Encoding
from channels.protocol.errors import CLOSE_SHUTDOWN, CLOSE_SLOW_CONSUMER
from org.models import User
from server.outbox import Connection


class _Wire:
    """What the writer sends and how it closes, recorded."""

    def __init__(self) -> None:
        self.sent: list[str | bytes] = []
        self.closed: list[int] = []

    async def send(self, frame: str | bytes) -> None:
        self.sent.append(frame)

    async def close(self, code: int, reason: str) -> None:
        self.closed.append(code)


def _conn(limit: int) -> Connection:
    return Connection(
        user=User(id=1, email="a@b.c", display_name="A"), encoding=Encoding.json, limit=limit
    )


async def test_overflow_closes_with_slow_consumer_code_and_drops_queue() -> None:
    overflowed: list[bool] = []
    conn = _conn(3)
    conn.on_overflow = lambda: overflowed.append(True)
    assert all(conn.offer(f"f{i}") for i in range(3))
    assert conn.offer("f3") is False
    assert conn.close_code == CLOSE_SLOW_CONSUMER and overflowed == [True]
    assert not conn.queue
    assert conn.offer("late") is False

    wire = _Wire()
    await conn.drain(wire.send, wire.close)
    assert wire.sent == [] and wire.closed == [CLOSE_SLOW_CONSUMER]


async def test_shutdown_close_sends_queued_frames_first() -> None:
    conn = _conn(10)
    conn.offer("a")
    conn.offer("b")
    conn.close(CLOSE_SHUTDOWN, "restarting")
    wire = _Wire()
    await conn.drain(wire.send, wire.close)
    assert wire.sent == ["a", "b"] and wire.closed == [CLOSE_SHUTDOWN]
