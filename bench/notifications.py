"""Notifications: a post mentioning 100 people and ``@channel`` in a channel of
5,000 members, on SQLite (in-process bus) and on PostgreSQL (Redis bus), with
other traffic going on and its fan-out latency measured before and during.

For each backend a server (``python -m server``) is started and a department
is made through the HTTP API with three people (the poster, made a moderator
so that ``@channel`` is theirs to use). The other 4,997 members are inserted
straight into the tables, 200 of them with API tokens; those 200 open a
WebSocket each and follow their own stream (``sub_me``); the 100 a post names
are the first 100 of them, so "all notified" is seen on a socket by each one.

**Other traffic** runs all along in a second department: 4 people post there
over their sockets at 20 posts a second in all (bodies ``t=<send time>``) to
50 members following that channel from a client worker process (lean
sockets, bench/_common.py); each delivery's latency is its arrival less its
send time. Then, each phase after the one before has settled (1 s):

- **quiet**: nothing but the traffic, twice a phase's length, 10 s (its
  latency without notifications; a delivery's p99 is that of the slowest
  posts, one post being 50 deliveries, so the baseline gets more of them;
  the server's CPU then, with quiet after's, is the traffic's own, which the
  other phases' figures leave out);
- **plain**: posts without mentions in the big channel, back to back (what a
  write costs here without notifications: the one question "who follows this
  with all");
- **100 mentions**: posts naming 100 members, all of them notified
  (``MAX_MENTIONS`` is 100);
- **@channel + 100**: posts naming 100 members and ``@channel``: 4,999
  notifications (100 ``mention``, 4,899 ``channel``) stored with the post, in
  its transaction, and published after its commit;
- **quiet after**: the traffic alone again (how much quiet's figures vary
  from one window to the next on this machine; the baseline is both).

Each phase sends ``--runs`` posts, and more until it has lasted
``--phase-seconds``, one after the other: the next once the last watched
socket has its notification. For each post: the write's time (``POST
/api/channels/{id}/posts`` until its answer, which comes after the commit and
the publish), the time until the last socket concerned has its
``notification.added`` (the 100 named; for ``@channel``, all 200), and the
notification rows it left (counted afterwards); per phase, the server's CPU
less the traffic's (the quiet rate times the phase's length) per post. For
the traffic: p50/p99/max of the deliveries of the posts sent during each
phase, p99 against that of both quiet phases together, and the p99 of only
those sent while a post of the phase was in flight (from its send until its
last notification arrived).

    .venv/bin/python bench/notifications.py            # 5,000 members (~2 min)
    .venv/bin/python bench/notifications.py --quick    # 2,000 members, 3 s phases
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from _common import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    HOST,
    REDIS_URL,
    USER_PASSWORD,
    Http,
    OpenSpec,
    Org,
    ServerProcess,
    Workers,
    bench_database,
    cpu_seconds,
    kaisha_node,
    machine_lines,
    ms,
    percentile,
    raise_nofile,
    run,
    say,
    table,
    wait_received,
)
from _seeding import add_people, add_tokens, seeded
from sqlalchemy import func, insert, select
from websockets.asyncio.client import ClientConnection, connect

from channels.mentions import write as mention
from channels.models import Membership
from core.clock import utcnow
from core.tables import table_of
from notify.duties import MAX_MENTIONS
from notify.models import Notification
from server.db import Database

WATCHERS = 200  # seeded members who follow their own stream over a socket
MENTIONED = 100
TRAFFIC_PUBLISHERS = 4  # people posting in the other department's channel
TRAFFIC_SUBSCRIBERS = 50  # its members following it on a socket
TRAFFIC_RATE = 20  # its posts a second, all publishers together
SETTLE = 1.0  # seconds between phases, their traffic counted in none


@dataclass
class Measured:
    write: list[float] = field(default_factory=list)
    delivered: list[float] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)
    # (send, last notification arrived) of each post, time.time()
    flights: list[tuple[float, float]] = field(default_factory=list)
    window: tuple[float, float] = (0.0, 0.0)  # the phase, time.time()
    cpu: float = 0.0  # the server's, over the phase


async def seed(
    db: Database, department_id: int, channel_id: int, n: int, with_tokens: int, name: str
) -> list[tuple[int, str]]:
    """``n`` members of the channel, straight into the tables; the first
    ``with_tokens`` get API tokens: [(user id, token)]."""
    now = utcnow()
    async with db.engine.begin() as conn:
        ids = await add_people(conn, department_id, [f"{name} {i}" for i in range(n)], now)
        await conn.execute(
            insert(table_of(Membership)),
            [
                {
                    "channel_id": channel_id,
                    "user_id": user_id,
                    "joined_at": now,
                    "notify": "mentions",
                }
                for user_id in ids
            ],
        )
        tokens = await add_tokens(conn, ids[:with_tokens], now)
        await seeded(conn)
    return list(zip(ids[:with_tokens], tokens, strict=True))


async def _org(base: str, name: str, people: int) -> Org:
    """A department with ``people`` people holding API tokens
    (``_common.make_org`` finds the department's channel as its admin, who no
    longer sees a closed one; here it is found as one of its people)."""
    admin = Http(base)
    try:
        await admin.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD)
        dept = await admin.call("POST", "/api/departments", {"name": name})
        tokens, user_ids = [], []
        for i in range(people):
            email = f"{name.lower()}{i}@example.com"
            user = await admin.call(
                "POST",
                "/api/users",
                {
                    "email": email,
                    "display_name": f"{name} {i}",
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


async def _socket(node: ServerProcess, token: str) -> ClientConnection:
    return await connect(
        f"ws://{HOST}:{node.port}/ws",
        subprotocols=["json"],  # type: ignore[list-item]
        additional_headers={"authorization": f"Bearer {token}"},
        max_queue=None,
    )


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
        ws = await _socket(node, token)
        await ws.send(json.dumps({"op": "sub_me", "id": 1}))
        watchers.append(Watcher(ws))
    return watchers


class Traffic:
    """Other traffic: publishers posting in another channel over their sockets
    at a fixed rate, each body ``t=<time.time() at send>``; its subscribers in
    a worker process take each delivery's latency on arrival."""

    def __init__(self, node: ServerProcess, channel_id: int, publishers: list[str]) -> None:
        self.node = node
        self.channel_id = channel_id
        self.publisher_tokens = publishers
        self.workers = Workers(1)
        self.subscribers = 0
        self.sent: list[float] = []  # time.time() of each post sent
        self.errors: list[str] = []
        self._sockets: list[ClientConnection] = []
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self, subscriber_tokens: list[str]) -> None:
        sub = json.dumps({"op": "sub", "channel": self.channel_id}).encode()
        spec = OpenSpec(
            HOST,
            self.node.port,
            "/ws",
            subscriber_tokens,
            len(subscriber_tokens),
            send_on_open=sub,
            ready_marker=b'"type":"subbed"',
        )
        ok, failed, _, error = await self.workers.open([spec])
        if failed:
            raise RuntimeError(f"{failed} traffic subscribers failed to open: {error}")
        self.subscribers = ok
        for token in self.publisher_tokens:
            ws = await _socket(self.node, token)
            self._sockets.append(ws)
            self._tasks.append(asyncio.create_task(self._drain(ws)))
        every = len(self._sockets) / TRAFFIC_RATE
        for i, ws in enumerate(self._sockets):
            self._tasks.append(asyncio.create_task(self._send(ws, i, every)))

    async def _drain(self, ws: ClientConnection) -> None:
        async for message in ws:
            if '"type":"error"' in str(message):
                self.errors.append(str(message)[:200])

    async def _send(self, ws: ClientConnection, i: int, every: float) -> None:
        due = time.monotonic() + every * i / len(self._sockets)  # spread over the interval
        n = 0
        while True:
            await asyncio.sleep(max(0.0, due - time.monotonic()))
            sent = time.time()
            n += 1
            frame = {
                "op": "post",
                "id": n,
                "channel": self.channel_id,
                "body": f"t={sent:.6f}",
                "cid": f"t{i}-{n}",
            }
            await ws.send(json.dumps(frame))
            self.sent.append(sent)
            due += every
            if time.monotonic() - due > every:  # this loop fell behind: no catch-up burst
                due = time.monotonic()

    async def stop(self) -> tuple[list[float], list[float], int]:
        """Stop sending, wait for the deliveries: (send times, latencies,
        deliveries missing)."""
        for task in self._tasks[len(self._sockets) :]:
            task.cancel()
        expected = len(self.sent) * self.subscribers
        got = await wait_received(self.workers, expected, within=60)
        data = await self.workers.collect()
        sent_at = [
            at - latency for at, latency in zip(data.received_at, data.latencies, strict=True)
        ]
        return sent_at, list(data.latencies), expected - got

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        for ws in self._sockets:
            with contextlib.suppress(Exception):
                await ws.close()
        with contextlib.suppress(Exception):
            await self.workers.close_connections()
        await self.workers.stop()


async def one_post(
    api: Http,
    db: Database,
    channel_id: int,
    body: str,
    watchers: list[Watcher],
    into: Measured,
) -> None:
    sent = time.time()
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
    into.flights.append((sent, time.time()))
    async with db.engine.connect() as conn:
        rows = table_of(Notification)
        into.rows.append(
            (
                await conn.execute(
                    select(func.count()).select_from(rows).where(rows.c.post_id == post_id)
                )
            ).scalar_one()
        )


async def phase(
    node: ServerProcess,
    api: Http,
    db: Database,
    channel_id: int,
    body: str,
    watchers: list[Watcher],
    runs: int,
    seconds: float,
) -> Measured:
    """Posts of one kind back to back: ``runs`` of them, and more until the
    phase has lasted ``seconds``."""
    await asyncio.sleep(SETTLE)
    into = Measured()
    cpu = cpu_seconds(node.pid)
    began = time.time()
    while len(into.write) < runs or time.time() - began < seconds:
        await one_post(api, db, channel_id, body, watchers, into)
    await asyncio.sleep(0.05)  # let the server finish the frames' writes before reading its CPU
    into.window = (began, time.time())
    into.cpu = cpu_seconds(node.pid) - cpu
    return into


async def quiet(node: ServerProcess, seconds: float) -> Measured:
    await asyncio.sleep(SETTLE)
    into = Measured()
    cpu = cpu_seconds(node.pid)
    began = time.time()
    await asyncio.sleep(seconds)
    into.window = (began, time.time())
    into.cpu = cpu_seconds(node.pid) - cpu
    return into


def _within(
    sent_at: Sequence[float], latencies: Sequence[float], spans: Sequence[tuple[float, float]]
) -> list[float]:
    """The latencies of the deliveries whose post was sent within one of ``spans``."""
    spans = sorted(spans)
    return [
        latency
        for sent, latency in zip(sent_at, latencies, strict=True)
        if any(a <= sent <= b for a, b in spans)
    ]


async def bench_backend(
    backend: str, members: int, runs: int, seconds: float
) -> tuple[list[list[str]], list[list[str]]]:
    say(f"\n== {backend}")
    async with bench_database(backend) as url:
        redis = REDIS_URL if backend == "postgres" else None
        node = kaisha_node("node", url, redis_url=redis)
        db = Database(url)
        try:
            return await _measure(backend, node, db, members, runs, seconds)
        finally:
            await db.close()
            node.stop()


async def _measure(
    backend: str, node: ServerProcess, db: Database, members: int, runs: int, seconds: float
) -> tuple[list[list[str]], list[list[str]]]:
    watchers: list[Watcher] = []
    traffic: Traffic | None = None
    try:
        await node.start()
        org = await _org(node.http, "Notify", 3)
        other = await _org(node.http, "Traffic", TRAFFIC_PUBLISHERS)
        admin = Http(node.http)
        await admin.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD)
        await admin.call("PATCH", f"/api/users/{org.user_ids[0]}", {"role": "moderator"})
        await admin.close()
        started = time.perf_counter()
        tokens = await seed(db, org.department_id, org.channel_id, members - 3, WATCHERS, "社員")
        listeners = await seed(
            db,
            other.department_id,
            other.channel_id,
            TRAFFIC_SUBSCRIBERS,
            TRAFFIC_SUBSCRIBERS,
            "配信",
        )
        say(
            f"  seeded {members - 3 + TRAFFIC_SUBSCRIBERS:,} people"
            f" in {time.perf_counter() - started:.1f} s"
        )
        watchers = await watch(node, tokens)
        named = [user_id for user_id, _ in tokens[:MENTIONED]]
        many = " ".join(mention(f"社員 {i}", user_id) for i, user_id in enumerate(named))
        bodies = {
            "plain": ("今日の議事録です", []),
            f"{MENTIONED} mentions": (
                f"{many} 確認してください",
                watchers[: min(MENTIONED, MAX_MENTIONS)],
            ),
            f"@channel + {MENTIONED}": (f"@channel {many} 全員確認してください", watchers),
        }
        api = Http(node.http, org.tokens[0])
        try:
            for body, _ in bodies.values():  # warm up
                await one_post(api, db, org.channel_id, body, [], Measured())
            traffic = Traffic(node, other.channel_id, other.tokens)
            await traffic.start([token for _, token in listeners])
            await asyncio.sleep(2)  # the traffic's own warm-up, counted in no phase
            measured = {"quiet": await quiet(node, 2 * seconds)}
            for name, (body, told) in bodies.items():
                measured[name] = await phase(
                    node, api, db, org.channel_id, body, told, runs, seconds
                )
            measured["quiet after"] = await quiet(node, 2 * seconds)
            sent_at, latencies, missing = await traffic.stop()
        finally:
            await api.close()
        if missing or traffic.errors:
            say(
                f"  traffic: {missing} deliveries missing,"
                f" {len(traffic.errors)} errors {traffic.errors[:1]}"
            )
        # The baseline is both quiet phases together: on a shared machine one
        # window of a few seconds can be much noisier than the next.
        calm = [measured["quiet"], measured["quiet after"]]
        calm_rate = sum(m.cpu for m in calm) / sum(m.window[1] - m.window[0] for m in calm)
        calm_p99 = percentile(_within(sent_at, latencies, [m.window for m in calm]), 99)
        posts: list[list[str]] = []
        fanout: list[list[str]] = []
        for name, m in measured.items():
            during = _within(sent_at, latencies, [m.window])
            p99 = percentile(during, 99)
            in_flight = _within(sent_at, latencies, m.flights) if m.flights else []
            fanout.append(
                [
                    backend,
                    name,
                    f"{len(m.write)}" if m.write else "-",
                    f"{len(during):,}",
                    ms(percentile(during, 50)),
                    ms(p99),
                    ms(max(during)),
                    f"{p99 / calm_p99:.1f}×",
                    f"{ms(percentile(in_flight, 99))} ({len(in_flight):,})" if in_flight else "-",
                ]
            )
            if not m.write:
                continue
            net = (m.cpu - calm_rate * (m.window[1] - m.window[0])) / len(m.write)
            posts.append(
                [
                    backend,
                    name,
                    f"{len(m.write)}",
                    f"{m.rows[-1]:,}",
                    ms(percentile(m.write, 50)),
                    ms(max(m.write)),
                    ms(percentile(m.delivered, 50)) if m.delivered else "-",
                    ms(max(m.delivered)) if m.delivered else "-",
                    ms(max(0.0, net)),
                ]
            )
    finally:
        for w in watchers:
            await w.close()
        if traffic is not None:
            await traffic.close()
    return posts, fanout


async def main(args: argparse.Namespace) -> None:
    raise_nofile()
    members = 2_000 if args.quick else 5_000
    runs = args.runs or (3 if args.quick else 5)
    seconds = args.phase_seconds or (3.0 if args.quick else 5.0)
    for line in machine_lines():
        say(line)
    say(
        f"{members:,} members in the channel, {WATCHERS} of them on sockets; phases of at least"
        f" {runs} posts and {seconds:g} s; other traffic: {TRAFFIC_RATE} posts/s from"
        f" {TRAFFIC_PUBLISHERS} people to {TRAFFIC_SUBSCRIBERS} subscribers"
    )
    posts: list[list[str]] = []
    fanout: list[list[str]] = []
    for backend in args.backends:
        p, f = await bench_backend(backend, members, runs, seconds)
        posts += p
        fanout += f
    say()
    say(
        table(
            [
                "backend",
                "post",
                "posts",
                "notifications",
                "write p50",
                "write max",
                "all notified p50",
                "all notified max",
                "server CPU per post",
            ],
            posts,
        )
    )
    say()
    say("Other traffic's fan-out (send to delivery) by the phase its posts were sent in:")
    say(
        table(
            [
                "backend",
                "phase",
                "posts",
                "deliveries",
                "p50",
                "p99",
                "max",
                "p99 / quiet p99",
                "p99 in flight (deliveries)",
            ],
            fanout,
        )
    )


def parse() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--quick", action="store_true", help="2,000 members, 3 runs, 3 s phases")
    p.add_argument("--runs", type=int, default=0, help="fewest posts a phase (5)")
    p.add_argument("--phase-seconds", type=float, default=0, help="shortest phase (5 s)")
    p.add_argument(
        "--backends", nargs="+", default=["sqlite", "postgres"], choices=["sqlite", "postgres"]
    )
    return p.parse_args()


if __name__ == "__main__":
    run(main(parse()))
