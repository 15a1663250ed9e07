"""The write path's duties and many-stream appends, on SQLite with the
in-process bus: a duty runs once per unit with every event of its kinds,
before the commit, inside the transaction; a failing one fails the write;
``append_each`` takes consecutive seqs per stream, whatever the order asked."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

import notify  # noqa: F401  (registers the duties)
from channels.actions import posts
from channels.facts import CHANNEL
from channels.models import NotifyLevel
from channels.prefs import PreferenceChanged
from org.stream import PERSON
from streams import log, unit
from streams.catalogue import Fact
from streams.log import Slot
from streams.unit import Appended, Unit
from tests.support.units import Small, small_company


async def _kinds(small: Small, stream: log.Stream, key: int) -> list[tuple[int, str]]:
    async with small.db.connection() as conn:
        epoch, head = (await log.heads(conn, stream, [key]))[key]
        events = await log.events_between(conn, stream, key, epoch, 0, head, 1000)
    return [(e.seq, e.kind) for e in events]


async def test_append_each_takes_consecutive_seqs_per_stream(tmp_path: Path) -> None:
    async with small_company(tmp_path) as small:
        assert small.alice.id is not None and small.bob.id is not None and small.group.id
        alice, bob = small.alice.id, small.bob.id
        before = {k: len(await _kinds(small, PERSON, k)) for k in (alice, bob)}
        levels = [NotifyLevel.all, NotifyLevel.none, NotifyLevel.mentions]

        async def make(slots: list[Slot]) -> list[tuple[Fact, int | None]]:
            assert [s.key for s in slots] == [bob, alice, bob]
            return [
                (PreferenceChanged(channel_id=small.group.id or 0, level=level), None)
                for level in levels
            ]

        async with small.db.writer() as session:
            writing = Unit(session, small.bus)
            made = await writing.append_each(PERSON, [bob, alice, bob], make)
            await writing.commit()
        assert [(e.key, e.seq) for e in made] == [
            (bob, before[bob] + 1),
            (alice, before[alice] + 1),
            (bob, before[bob] + 2),
        ]
        assert (await _kinds(small, PERSON, bob))[-2:] == [
            (before[bob] + 1, "preference.changed"),
            (before[bob] + 2, "preference.changed"),
        ]


async def test_a_duty_sees_every_event_of_its_kinds_once_per_unit_before_the_commit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[list[str]] = []

    async def watch(writing: Unit, items: Sequence[Appended]) -> None:
        # Before the commit, in the transaction: the post is there to read.
        seen.append([item.event.kind for item in items])
        assert all(item.actor_id is not None for item in items)

    duties = {k: list(v) for k, v in unit._DUTIES.items()}
    duties.setdefault("post.created", []).append(watch)
    monkeypatch.setattr(unit, "_DUTIES", duties)
    async with small_company(tmp_path) as small:
        assert small.group.id is not None
        batch = [posts.NewPost(small.alice, small.group.id, f"#{i}") for i in range(3)]
        async with small.db.writer() as session:
            await posts.do_create_posts(session, small.bus, batch)
        assert seen == [["post.created"] * 3]


async def test_a_failing_duty_fails_the_write_and_nothing_is_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def fail(writing: Unit, items: Sequence[Appended]) -> None:
        raise RuntimeError("the duty failed")

    monkeypatch.setattr(unit, "_DUTIES", {"comment.created": [fail]})
    async with small_company(tmp_path) as small:
        assert small.group.id is not None
        post = await small.act(posts.do_create_post, small.alice, small.group.id, "x", None)
        assert post.post is not None
        before = await _kinds(small, CHANNEL, small.group.id)
        with pytest.raises(RuntimeError):
            await small.act(posts.do_create_comment, small.alice, post.post.id, "c", None)
        assert await _kinds(small, CHANNEL, small.group.id) == before


def test_a_duty_for_a_kind_nobody_registered_is_refused() -> None:
    async def nothing(writing: Unit, items: Sequence[Appended]) -> None:
        return None

    with pytest.raises(ValueError, match="no package registered"):
        unit.duty("post.exploded")(nothing)
