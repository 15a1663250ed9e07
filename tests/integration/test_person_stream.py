"""A person's own stream: positioned like a channel's, resumed after being
offline, and readable by nobody else."""

from __future__ import annotations

from tests.support.clients import Company, Live


async def test_what_changed_while_offline_is_replayed_from_ones_position(
    company: Company,
) -> None:
    alice, bob = company.people["alice"], company.people["bob"]
    live = await Live.connect(company.server, bob.token)
    start = await live.request({"op": "sub_me"})
    await live.close()

    groups = []
    for name in ("Go club", "Book club", "Running"):
        group = await alice.api.call("POST", "/api/channels", {"name": name, "is_private": True})
        await alice.api.call("POST", f"/api/channels/{group['id']}/invite", {"user_ids": [bob.id]})
        groups.append(group)
    await bob.api.call("POST", f"/api/channels/{groups[1]['id']}/leave")

    again = await Live.connect(company.server, bob.token)
    subbed = await again.request({"op": "sub_me", "epoch": start["epoch"], "seq": start["seq"]})
    # Each invitation also notified him; leaving a private group took its
    # notification away (he may not read it now).
    assert subbed["recovered"] is True and subbed["seq"] == start["seq"] + 8
    await again.wait(lambda f: f["type"] == "personal" and f["seq"] == subbed["seq"])
    replayed = [f for f in again.frames if f["type"] == "personal"]
    assert [f["seq"] for f in replayed] == list(range(start["seq"] + 1, subbed["seq"] + 1))
    memberships = [f for f in replayed if f["kind"].startswith("membership.")]
    assert [(f["kind"], f["data"]["name"]) for f in memberships] == [
        ("membership.added", "Go club"),
        ("membership.added", "Book club"),
        ("membership.added", "Running"),
        ("membership.removed", "Book club"),
    ]
    told = [f["data"] for f in replayed if f["kind"] == "notification.added"]
    assert [(n["notification"]["kind"], n["notification"]["channel_name"]) for n in told] == [
        ("invited", "Go club"),
        ("invited", "Book club"),
        ("invited", "Running"),
    ]
    assert replayed[-1]["kind"] == "notification.removed"
    await again.close()


async def test_a_position_of_another_log_is_not_recovered(company: Company) -> None:
    bob = company.people["bob"]
    live = await Live.connect(company.server, bob.token)
    for epoch, seq in (("not-mine", 0), (None, None)):
        frame: dict[str, object] = {"op": "sub_me"}
        if epoch is not None:
            frame.update(epoch=epoch, seq=seq)
        subbed = await live.request(frame)
        assert subbed["type"] == "subbed_me" and subbed["recovered"] is False
    mine = await live.request({"op": "sub_me"})
    ahead = await live.request({"op": "sub_me", "epoch": mine["epoch"], "seq": mine["seq"] + 5})
    assert ahead["recovered"] is False and ahead["seq"] == mine["seq"]
    await live.close()


async def test_nobody_else_hears_ones_own_stream(company: Company) -> None:
    alice, bob, carol = (company.people[n] for n in ("alice", "bob", "carol"))
    watcher = await Live.connect(company.server, carol.token)
    await watcher.request({"op": "sub_me"})
    group = await alice.api.call("POST", "/api/channels", {"name": "Secret", "is_private": True})
    await alice.api.call("POST", f"/api/channels/{group['id']}/invite", {"user_ids": [bob.id]})
    await alice.api.call("POST", f"/api/channels/{group['id']}/invite", {"user_ids": [carol.id]})
    told = await watcher.wait(lambda f: f["type"] == "personal")
    notified = await watcher.wait(
        lambda f: f["type"] == "personal" and f["kind"] == "notification.added"
    )
    # Carol hears only her own invitation, and its notification, not Bob's
    # (nor Alice's own join).
    await watcher.request({"op": "ping"})
    heard = [f for f in watcher.frames if f["type"] == "personal"]
    assert [f["kind"] for f in heard] == ["membership.added", "notification.added"]
    assert told["data"]["channel_id"] == group["id"]
    assert notified["data"]["notification"]["channel_id"] == group["id"]
    await watcher.close()
