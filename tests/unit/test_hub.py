"""The hub's head, gap and heal logic, with fake connections: a real SQLite
database and the in-process bus, no server and no socket."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bus.memory import MemoryBus
from channels.actions.channels import do_join_channel
from channels.facts import CHANNEL, ChannelUpdated
from channels.protocol.codec import Encoding
from org.stream import PERSON
from server.hub import Hub
from server.metrics import Metrics
from server.outbox import Connection
from server.wire import Outgoing
from streams.unit import Unit
from tests.support.timing import wait_for
from tests.support.units import Small, small_company


class FakeWire:
    """Takes every frame at once and keeps it."""

    def __init__(self) -> None:
        self.frames: list[dict[str, Any]] = []

    def try_write(self, frame: Outgoing) -> bool:
        assert isinstance(frame.payload, str)
        self.frames.append(json.loads(frame.payload))
        return True

    async def write(self, frame: Outgoing) -> None:
        self.try_write(frame)

    async def close(self, code: int, reason: str) -> None:
        pass


def _connection(small: Small) -> tuple[Connection, FakeWire]:
    wire = FakeWire()
    return Connection(user=small.bob, encoding=Encoding.json, limit=100, wire=wire), wire


async def _rename(small: Small, name: str, bus: MemoryBus) -> int:
    """A channel event written through ``bus`` (another bus than the hub's: the
    publish is lost, as when Redis restarts between commit and publish)."""
    assert small.group.id is not None
    async with small.db.writer() as session:
        unit = Unit(session, bus)
        event = await unit.append(
            CHANNEL,
            small.group.id,
            ChannelUpdated(name=name, description="", is_private=False, archived=False),
        )
        await unit.commit()
    return event.seq


async def _following_the_group(small: Small) -> tuple[Hub, FakeWire]:
    """A hub with one connection that follows the group from now (its ``subbed``
    frame first on the wire)."""
    hub = Hub(small.db, small.bus, Metrics(published=lambda: 0), recovery_limit=100)
    conn, wire = _connection(small)
    hub.register(conn)
    assert small.group.id is not None
    await hub.subscribe(conn, CHANNEL, small.group.id, 1, None, None)
    return hub, wire


def _seqs(wire: FakeWire, kind: str = "event") -> list[int]:
    return [f["seq"] for f in wire.frames if f["type"] == kind]


async def test_live_events_go_out_in_order_and_a_gap_is_filled_from_the_database(
    tmp_path: Path,
) -> None:
    async with small_company(tmp_path) as small:
        hub, wire = await _following_the_group(small)
        (subbed,) = wire.frames
        head = subbed["seq"]
        await _rename(small, "one", small.bus)  # heard: head + 1
        await wait_for(lambda: _seqs(wire) == [head + 1], 5, "the live event")
        lost = MemoryBus()
        await _rename(small, "two", lost)  # never heard
        await _rename(small, "three", lost)
        await _rename(small, "four", small.bus)  # heard, but two ahead: a gap
        await wait_for(lambda: len(_seqs(wire)) == 4, 5, "the gap filled")
        assert _seqs(wire) == [head + 1, head + 2, head + 3, head + 4]
        assert [f["data"]["name"] for f in wire.frames[1:]] == ["one", "two", "three", "four"]
        await hub.stop()


async def test_a_loss_no_later_event_reveals_is_found_by_the_heal_check(tmp_path: Path) -> None:
    async with small_company(tmp_path) as small:
        hub, wire = await _following_the_group(small)
        head = wire.frames[0]["seq"]
        await _rename(small, "lost", MemoryBus())
        assert _seqs(wire) == []
        await hub.heal()
        await wait_for(lambda: _seqs(wire) == [head + 1], 5, "the heal")
        await hub.stop()


async def test_duplicates_are_dropped_and_a_resubscribe_replays_from_the_position(
    tmp_path: Path,
) -> None:
    async with small_company(tmp_path) as small:
        hub, wire = await _following_the_group(small)
        epoch, head = wire.frames[0]["epoch"], wire.frames[0]["seq"]
        for n in range(3):
            await _rename(small, f"n{n}", small.bus)
        await wait_for(lambda: len(_seqs(wire)) == 3, 5, "three events")
        hub.heal_soon()  # nothing missing: nothing more
        await hub.heal()
        assert _seqs(wire) == [head + 1, head + 2, head + 3]

        other, other_wire = _connection(small)
        hub.register(other)
        assert small.group.id is not None
        await hub.subscribe(other, CHANNEL, small.group.id, 2, epoch, head + 1)
        assert other_wire.frames[0]["recovered"] is True
        assert _seqs(other_wire) == [head + 2, head + 3]
        await hub.stop()


async def test_a_persons_stream_is_followed_like_a_channels(tmp_path: Path) -> None:
    async with small_company(tmp_path) as small:
        hub = Hub(small.db, small.bus, Metrics(published=lambda: 0), recovery_limit=100)
        conn, wire = _connection(small)
        hub.register(conn)
        assert small.bob.id is not None and small.group.id is not None
        await hub.subscribe(conn, PERSON, small.bob.id, 1, None, None)
        subbed = wire.frames[0]
        assert subbed["type"] == "subbed_me"
        await small.act(do_join_channel, small.bob, small.group.id)
        await wait_for(lambda: _seqs(wire, "personal") == [subbed["seq"] + 1], 5, "personal")
        assert wire.frames[-1]["kind"] == "membership.added"
        await hub.stop()
