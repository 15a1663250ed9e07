"""Notifications: a post mentioning 100 people and ``@channel`` in a channel of
5,000 members, on SQLite (in-process bus) and on PostgreSQL (Redis bus).

For each backend a server (``python -m server``) is started and a department
is made through the HTTP API with three people (the poster, made a moderator
so that ``@channel`` is theirs to use). The other 4,997 members are inserted
straight into the tables, 200 of them with API tokens; those 200 open a
WebSocket each and follow their own stream (``sub_me``). Then, ``--runs``
times each, alternating:

- **plain**: a post without mentions (what a write costs here without
  notifications: the one question "who follows this with all");
- **100 mentions**: a post naming 100 members (the first 50 are notified:
  ``MAX_MENTIONS``);
- **@channel + 100**: a post naming 100 members and ``@channel``: 4,999
  notifications (50 ``mention``, 4,949 ``channel``) stored with the post, in
  its transaction, and published after its commit.

For each: the write's time (``POST /api/channels/{id}/posts`` until its
answer, which comes after the commit and the publish), the time until the
last of the 200 sockets has its ``notification.added``, the server's CPU
time, and the notification rows the post left (counted afterwards).

    .venv/bin/python bench/notifications.py            # 10 runs each (~3 min)
    .venv/bin/python bench/notifications.py --quick    # 3 runs each, 2,000 members
"""

from __future__ import annotations

import argparse
import asyncio
import json
import secrets
import tempfile
import time
from dataclasses import dataclass, field

from _common import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    PG_BENCH_URL,
    REDIS_URL,
    USER_PASSWORD,
    Http,
    Org,
    ServerProcess,
    cpu_seconds,
    kaisha_node,
    machine_lines,
    ms,
    percentile,
    pg_drop_database,
    pg_fresh_database,
    run,
    say,
    table,
)
from sqlalchemy import func, insert, select
from websockets.asyncio.client import ClientConnection, connect

from channels.mentions import write as mention
from channels.models import Membership
from core.clock import utcnow
from core.tables import table_of
from notify.models import Notification
from org.auth import digest
from org.models import ApiToken, User
from server.db import Database
from streams.log import new_epoch

WATCHERS = 200  # seeded members who follow their own stream over a socket
MENTIONED = 100


@dataclass
class Measured:
    write: list[float] = field(default_factory=list)
    delivered: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)


async def seed(db: Database, department_id: int, channel_id: int, n: int) -> list[tuple[int, str]]:
    """``n`` members of the channel, straight into the tables; the first
    WATCHERS get API tokens: [(user id, token)]."""
    now = utcnow()
    users, memberships = table_of(User), table_of(Membership)
    tag = secrets.token_hex(3)
    async with db.engine.begin() as conn:
        first = (await conn.execute(select(func.max(users.c.id)))).scalar_one() + 1
        people = [
            {
                "id": first + i,
                "email": f"m{i}-{tag}@example.com",
                "display_name": f"社員 {i}",
                "reading": "",
                "bio": "",
                "department_id": department_id,
                "role": "member",
                "is_active": True,
                "password_hash": None,
                "start_date": None,
                "created_at": now,
                "stream_epoch": new_epoch(),
                "stream_seq": 0,
                "search_text": f"社員 {i}",
                "sort_key": f"しゃいん{i:05d}",
            }
            for i in range(n)
        ]
        await conn.execute(insert(users), people)
        await conn.execute(
            insert(memberships),
            [
                {
                    "channel_id": channel_id,
                    "user_id": p["id"],
                    "joined_at": now,
                    "notify": "mentions",
                }
                for p in people
            ],
        )
        tokens = [(p["id"], "kt_" + secrets.token_urlsafe(24)) for p in people[:WATCHERS]]
        await conn.execute(
            insert(table_of(ApiToken)),
            [
                {
                    "user_id": user_id,
                    "name": "bench",
                    "token_hash": digest(token),
                    "created_at": now,
                    "expires_at": None,
                    "last_used_at": now,
                }
                for user_id, token in tokens
            ],
        )
        if conn.dialect.name == "postgresql":
            await conn.exec_driver_sql(
                "SELECT setval(pg_get_serial_sequence('account', 'id'),"
                " (SELECT max(id) FROM account))"
            )
    return tokens


async def _org(base: str) -> Org:
    """A department with three people holding API tokens (``_common.make_org``
    finds the department's channel as its admin, who no longer sees a closed
    one; here it is found as one of its people)."""
    admin = Http(base)
    try:
        await admin.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD)
        dept = await admin.call("POST", "/api/departments", {"name": "Notify"})
        tokens, user_ids = [], []
        for i in range(3):
            email = f"notify{i}@example.com"
            user = await admin.call(
                "POST",
                "/api/users",
                {
                    "email": email,
                    "display_name": f"Notify {i}",
                    "password": USER_PASSWORD,
                    "department_id": dept["id"],
                },
            )
            session = Http(base)
            try:
                await session.sign_in(email, USER_PASSWORD)
                tokens.append((await session.call("POST", "/api/tokens", {"name": "b"}))["token"])
            finally:
                await session.close()
            user_ids.append(user["id"])
        member = Http(base, tokens[0])
        try:
            channels = await member.call("GET", "/api/channels?joined=1")
        finally:
            await member.close()
        channel = next(c for c in channels if c["department_id"] == dept["id"])
        return Org(channel["id"], dept["id"], tokens, user_ids)
    finally:
        await admin.close()


class Watcher:
    """One member's socket, following their own stream: when each post's
    notification arrived."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.arrived: dict[int, float] = {}  # post id -> time.perf_counter()
        self.task = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async for message in self.ws:
            frame = json.loads(message)
            if frame.get("type") == "personal" and frame["kind"] == "notification.added":
                post_id = frame["data"]["notification"]["post_id"]
                self.arrived.setdefault(post_id, time.perf_counter())

    async def close(self) -> None:
        self.task.cancel()
        await self.ws.close()


async def watch(node: ServerProcess, tokens: list[tuple[int, str]]) -> list[Watcher]:
    watchers = []
    for _, token in tokens:
        ws = await connect(
            f"ws://127.0.0.1:{node.port}/ws",
            subprotocols=["json"],  # type: ignore[list-item]
            additional_headers={"authorization": f"Bearer {token}"},
            max_queue=None,
        )
        await ws.send(json.dumps({"op": "sub_me", "id": 1}))
        watchers.append(Watcher(ws))
    return watchers


async def one_post(
    node: ServerProcess,
    api: Http,
    db: Database,
    channel_id: int,
    body: str,
    watchers: list[Watcher],
    into: Measured,
) -> None:
    cpu = cpu_seconds(node.pid)
    start = time.perf_counter()
    made = await api.call("POST", f"/api/channels/{channel_id}/posts", {"body": body})
    wrote = time.perf_counter()
    post_id = made["post"]["id"]
    into.write.append(wrote - start)
    if watchers:
        end = time.monotonic() + 60
        while not all(post_id in w.arrived for w in watchers):
            if time.monotonic() > end:
                missing = sum(post_id not in w.arrived for w in watchers)
                raise RuntimeError(f"{missing} sockets never got their notification")
            await asyncio.sleep(0.002)
        into.delivered.append(max(w.arrived[post_id] for w in watchers) - start)
    await asyncio.sleep(0.05)  # let the server finish the frames' writes before reading its CPU
    into.cpu.append(cpu_seconds(node.pid) - cpu)
    async with db.engine.connect() as conn:
        rows = table_of(Notification)
        into.rows.append(
            (
                await conn.execute(
                    select(func.count()).select_from(rows).where(rows.c.post_id == post_id)
                )
            ).scalar_one()
        )


async def bench_backend(backend: str, members: int, runs: int) -> list[list[str]]:
    say(f"\n== {backend}")
    postgres = backend == "postgres"
    tmp = tempfile.TemporaryDirectory(prefix="kaisha-bench-")
    if postgres:
        await pg_fresh_database()
        url = PG_BENCH_URL
    else:
        url = f"sqlite+aiosqlite:///{tmp.name}/kaisha.db"
    node = kaisha_node("node", url, redis_url=REDIS_URL if postgres else None)
    db = Database(url)
    watchers: list[Watcher] = []
    rows: list[list[str]] = []
    try:
        await node.start()
        org = await _org(node.http)
        admin = Http(node.http)
        await admin.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD)
        await admin.call("PATCH", f"/api/users/{org.user_ids[0]}", {"role": "moderator"})
        await admin.close()
        started = time.perf_counter()
        tokens = await seed(db, org.department_id, org.channel_id, members - 3)
        say(f"  seeded {members - 3:,} members in {time.perf_counter() - started:.1f} s")
        watchers = await watch(node, tokens)
        await asyncio.sleep(1)
        named = [user_id for user_id, _ in tokens[:MENTIONED]]
        many = " ".join(mention(f"社員 {i}", user_id) for i, user_id in enumerate(named))
        bodies = {
            "plain": "今日の議事録です",
            f"{MENTIONED} mentions": f"{many} 確認してください",
            f"@channel + {MENTIONED}": f"@channel {many} 全員確認してください",
        }
        api = Http(node.http, org.tokens[0])
        try:
            for body in bodies.values():  # warm up
                await one_post(node, api, db, org.channel_id, body, [], Measured())
            measured = {name: Measured() for name in bodies}
            for _ in range(runs):
                for name, body in bodies.items():
                    told = watchers if name != "plain" else []
                    if name == f"{MENTIONED} mentions":
                        told = watchers[:50]  # the first 50 named: MAX_MENTIONS
                    await one_post(node, api, db, org.channel_id, body, told, measured[name])
        finally:
            await api.close()
        for name, m in measured.items():
            rows.append(
                [
                    backend,
                    name,
                    f"{m.rows[-1]:,}",
                    ms(percentile(m.write, 50)),
                    ms(max(m.write)),
                    ms(percentile(m.delivered, 50)) if m.delivered else "-",
                    ms(max(m.delivered)) if m.delivered else "-",
                    ms(percentile(m.cpu, 50)),
                ]
            )
    finally:
        for w in watchers:
            await w.close()
        await db.close()
        node.stop()
        if postgres:
            await pg_drop_database()
        tmp.cleanup()
    return rows


async def main(args: argparse.Namespace) -> None:
    members = 2_000 if args.quick else 5_000
    runs = args.runs or (3 if args.quick else 10)
    for line in machine_lines():
        say(line)
    say(f"{members:,} members in the channel, {WATCHERS} of them on sockets, {runs} runs each")
    rows: list[list[str]] = []
    for backend in args.backends:
        rows += await bench_backend(backend, members, runs)
    headers = [
        "backend",
        "post",
        "notifications",
        "write p50",
        "write max",
        "last socket p50",
        "last socket max",
        "server CPU p50",
    ]
    say()
    say(table(headers, rows))


def parse() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--quick", action="store_true", help="2,000 members, 3 runs")
    p.add_argument("--runs", type=int, default=0)
    p.add_argument(
        "--backends", nargs="+", default=["sqlite", "postgres"], choices=["sqlite", "postgres"]
    )
    return p.parse_args()


if __name__ == "__main__":
    run(main(parse()))
