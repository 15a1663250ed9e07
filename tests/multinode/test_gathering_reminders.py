"""Event reminders across two nodes: both run the reminder job every 0.2 s
on one PostgreSQL database; events starting within the hour (the hour's
reminder) and within the day (the day's) each reach every person going
exactly once, whichever node claimed them. And the last seat of an event,
asked for at the same moment through both nodes, goes to one person."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.support.backends import check_redis, clean_postgres, prepare_postgres, settings_for
from tests.support.clients import Api, Company, add_person, make_company
from tests.support.servers import Node
from tests.support.timing import wait_for

PEOPLE = 8


@pytest.fixture
async def cluster(tmp_path: Path) -> AsyncIterator[tuple[list[Node], Company]]:
    await prepare_postgres()
    await clean_postgres()
    await check_redis()
    settings = settings_for("postgres", tmp_path, gathering_reminder_interval=0.2)
    nodes = [Node(settings) for _ in range(2)]
    try:
        for node in nodes:
            await node.start()
        company = await make_company(nodes[0].running)
        yield nodes, company
        await company.close()
    finally:
        for node in nodes:
            await node.kill()


def _event(channel_id: int, title: str, starts_in: timedelta, **extra: Any) -> dict[str, Any]:
    start = (datetime.now(UTC) + starts_in).replace(microsecond=0)
    return {
        "channel_id": channel_id,
        "title": title,
        "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=1)).isoformat(),
        **extra,
    }


async def _reminders(api: Api) -> list[tuple[str, str]]:
    page = await api.call("GET", "/api/notifications")
    return sorted(
        (n["kind"], n["excerpt"].split(" · ")[0])
        for n in page["notifications"]
        if n["kind"].startswith("event_reminder")
    )


async def test_reminders_go_out_once_across_two_nodes(
    cluster: tuple[list[Node], Company],
) -> None:
    nodes, company = cluster
    alice = company.people["alice"]
    group = await alice.api.call("POST", "/api/channels", {"name": "勉強会"})
    people = [await add_person(company, f"learner{i}", None) for i in range(PEOPLE)]
    # Each person answers through the other node than the one before.
    on_b = [Api(nodes[i % 2].running.http, p.token) for i, p in enumerate(people)]
    for api in on_b:
        await api.call("POST", f"/api/channels/{group['id']}/join")
    # Made days ahead, answered by everyone, then moved to start within the
    # hour and within the day: the jobs find them only once all have answered.
    soon, later = [
        await alice.api.call(
            "POST", "/api/gatherings", _event(group["id"], title, timedelta(days=3))
        )
        for title in ("soon", "later")
    ]
    for api in on_b:
        for made in (soon, later):
            await api.call("PUT", f"/api/gatherings/{made['id']}/answer", {"answer": "going"})
    for made, starts_in in ((soon, timedelta(minutes=30)), (later, timedelta(hours=5))):
        moved = _event(group["id"], made["title"], starts_in)
        del moved["channel_id"], moved["title"]
        await alice.api.call("PATCH", f"/api/gatherings/{made['id']}", moved)
    expected = [("event_reminder_day", "later"), ("event_reminder_hour", "soon")]

    async def everyone_told() -> bool:
        for api in on_b:
            if await _reminders(api) != expected:
                return False
        return True

    await wait_for(everyone_told, 15, "every reminder")
    await asyncio.sleep(1.0)  # five more rounds on each node: nothing more
    for api in on_b:
        assert await _reminders(api) == expected
    assert await _reminders(alice.api) == []  # the organiser did not answer
    for node in nodes:
        assert node.errors() == [], node.errors()
    for api in on_b:
        await api.close()


async def test_the_last_seat_asked_through_both_nodes_goes_to_one(
    cluster: tuple[list[Node], Company],
) -> None:
    nodes, company = cluster
    alice = company.people["alice"]
    group = await alice.api.call("POST", "/api/channels", {"name": "Dinner"})
    people = [await add_person(company, f"diner{i}", None) for i in range(6)]
    apis = [Api(nodes[i % 2].running.http, p.token) for i, p in enumerate(people)]
    for api in apis:
        await api.call("POST", f"/api/channels/{group['id']}/join")
    made = await alice.api.call(
        "POST", "/api/gatherings", _event(group["id"], "dinner", timedelta(days=2), capacity=1)
    )
    answers = await asyncio.gather(
        *(
            api.call("PUT", f"/api/gatherings/{made['id']}/answer", {"answer": "going"})
            for api in apis
        )
    )
    assert sorted(a["my_answer"] for a in answers) == ["going"] + ["waitlist"] * 5
    final = await alice.api.call("GET", f"/api/gatherings/{made['id']}")
    assert (final["going"], final["waitlist"]) == (1, 5)
    for api in apis:
        await api.close()
