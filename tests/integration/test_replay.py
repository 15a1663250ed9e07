"""Replay tells the truth: for every position a client may hold (in the log,
too far behind, ahead of the log, of another epoch, none, garbage), the
socket's ``sub`` and HTTP's ``/events`` give the same answer, and HTTP pages
say where they end and whether more follow."""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any

from server.settings import Settings
from tests.support.clients import Api, Live, department_channel, make_company
from tests.support.servers import serve

LIMIT = 1200  # the recovery limit of this test's server; an HTTP page holds 1,000


async def _events_over_http(
    api: Api, channel: int, epoch: str | None, seq: int | None
) -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]:
    """Every page from a position, as a client filling a gap reads them."""
    query = f"?epoch={epoch}&seq={seq}" if epoch is not None else ""
    first: dict[str, Any] = await api.call("GET", f"/api/channels/{channel}/events{query}")
    pages, events = [first], list(first["events"])
    while pages[-1]["more"]:
        page = await api.call(
            "GET", f"/api/channels/{channel}/events?epoch={epoch}&seq={pages[-1]['seq']}"
        )
        pages.append(page)
        events += page["events"]
    return first, pages, events


async def _events_over_socket(
    live: Live, channel: int, epoch: str | None, seq: int | None, head: int
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    frame: dict[str, Any] = {"op": "sub", "channel": channel}
    if epoch is not None:
        frame.update(epoch=epoch, seq=seq)
    start = len(live.frames)
    subbed = await live.request(frame, seconds=30)
    if subbed["recovered"] and head > (seq or 0):
        await live.wait(
            lambda f: f["type"] == "event" and f["channel"] == channel and f["seq"] == head,
            seconds=60,
            start=start,
        )
    events = [f for f in live.frames[start:] if f["type"] == "event" and f["channel"] == channel]
    await live.request({"op": "unsub", "channel": channel})
    return subbed, events


async def test_socket_and_http_give_the_same_answer_for_every_position(
    settings: Settings,
) -> None:
    async with serve(dataclasses.replace(settings, recovery_limit=LIMIT)) as server:
        company = await make_company(server)
        alice, bob = company.people["alice"], company.people["bob"]
        eng = await department_channel(alice.api, company.departments["Engineering"])
        start = eng["seq"]
        total = 1500
        for chunk in range(0, total, 100):  # concurrent requests: written in batches
            await asyncio.gather(
                *[
                    alice.api.call(
                        "POST",
                        f"/api/channels/{eng['id']}/posts",
                        {"body": f"p{n}", "cid": f"r{n}"},
                    )
                    for n in range(chunk, chunk + 100)
                ]
            )
        channel = await bob.api.call("GET", f"/api/channels/{eng['id']}")
        epoch, head = channel["epoch"], channel["seq"]
        assert head == start + total

        live = await Live.connect(server, bob.token)
        positions: list[tuple[str, str | None, int | None, bool]] = [
            ("1,100 behind: recovered, in two HTTP pages", epoch, head - 1100, True),
            ("at the head", epoch, head, True),
            ("1,500 behind: too far, reload", epoch, head - 1500, False),
            ("ahead of the log", epoch, head + 5, False),
            ("another epoch", "0badc0de", head - 10, False),
            ("no position", None, None, False),
        ]
        for name, e, s, recovered in positions:
            first, pages, http_events = await _events_over_http(bob.api, eng["id"], e, s)
            subbed, ws_events = await _events_over_socket(live, eng["id"], e, s, head)
            assert first["recovered"] is subbed["recovered"] is recovered, name
            assert first["epoch"] == subbed["epoch"] == epoch, name
            assert first["head"] == subbed["seq"] == head, name
            http_seqs = [ev["seq"] for ev in http_events]
            ws_seqs = [ev["seq"] for ev in ws_events]
            if recovered:
                assert s is not None
                assert http_seqs == ws_seqs == list(range(s + 1, head + 1)), name
                # Each page says where it ends; the last says nothing more follows.
                assert [p["seq"] for p in pages] == [
                    p["events"][-1]["seq"] if p["events"] else s for p in pages
                ], name
                assert all(len(p["events"]) <= 1000 for p in pages), name
                assert pages[-1]["more"] is False and pages[-1]["seq"] == head, name
                # The same events, field for field, on both paths.
                assert [{k: v for k, v in ev.items() if k != "type"} for ev in ws_events] == (
                    http_events
                ), name
            else:
                assert http_seqs == ws_seqs == [], name
                assert first["seq"] == head and first["more"] is False, name
        assert len(await _pages(bob.api, eng["id"], epoch, head - 1100)) == 2

        # Garbage positions are refused alike: an error, not an answer to trust.
        refused = await bob.api.raw(
            "GET", f"/api/channels/{eng['id']}/events?epoch={epoch}&seq=abc"
        )
        assert refused.status_code == 400 and refused.json()["error"]["code"] == "invalid"
        answer = await live.request(
            {"op": "sub", "channel": eng["id"], "epoch": epoch, "seq": "abc"}
        )
        assert answer["type"] == "error" and answer["code"] == "invalid"
        await live.close()
        await company.close()


async def _pages(api: Api, channel: int, epoch: str, seq: int) -> list[dict[str, Any]]:
    _, pages, _ = await _events_over_http(api, channel, epoch, seq)
    return pages
