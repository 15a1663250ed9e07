"""Announcements: a must-read announcement to 10,000 people, 5,000 of them
connected, then their 10,000 confirmations while its author watches the rate,
on SQLite (in-process bus) and on PostgreSQL (Redis bus).

For each backend a server (``python -m server``) is started; two departments
of 5,000 people each are inserted straight into the tables, every person with
an API token. 5,000 of them (2,500 a department) open a WebSocket each from
client worker processes (bench/_common.py's lean client) and follow their own
stream (``sub_me``). Then:

- **publish**: the admin publishes a must-read announcement to both
  departments (``POST /api/announcements``); measured: the request's time
  (it appends ``announcement.published`` to 10,000 people's streams in its
  transaction), and the time until the last of the 5,000 sockets has it.
- **confirm**: the 10,000 people confirm it (``POST .../confirm``, each with
  their own token, ``--concurrency`` requests in flight); measured: requests
  per second over the whole run, p50 and p99 of a request. Meanwhile the
  admin watches like the browser does: a socket receiving ``tallied`` frames,
  each answered (one request in flight, one queued) by
  ``GET .../confirmations``; every rate read must be at least the previous
  one and never above the confirmations answered, the last one 100 % with
  both departments at 5,000, and the bench prints how long after the last
  confirmation the view showed 100 %.

    .venv/bin/python bench/announce.py                  # both backends (~2-3 min)
    .venv/bin/python bench/announce.py --backend postgres
    .venv/bin/python bench/announce.py --quick          # 2,000 people, 1,000 connected
"""

from __future__ import annotations

import argparse
import asyncio
import json
import secrets
import tempfile
import time

import httpx
from _common import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    HOST,
    PG_BENCH_URL,
    REDIS_URL,
    Http,
    OpenSpec,
    ServerProcess,
    Workers,
    cpu_seconds,
    kaisha_node,
    machine_lines,
    ms,
    percentile,
    pg_drop_database,
    pg_fresh_database,
    run,
    say,
    split,
    table,
    wait_received,
)
from _seeding import add_people, add_tokens, seeded
from websockets.asyncio.client import connect

from core.clock import utcnow
from server.db import Database

WORKERS = 2  # client processes holding the sockets


async def seed(db: Database, departments: list[int], each: int) -> dict[int, list[str]]:
    """``each`` people in every department, with an API token each:
    {department id: [token, …]}."""
    now = utcnow()
    tokens: dict[int, list[str]] = {}
    async with db.engine.begin() as conn:
        for d, department_id in enumerate(departments):
            names = [f"社員 {d}-{i}" for i in range(each)]
            ids = await add_people(conn, department_id, names, now)
            tokens[department_id] = await add_tokens(conn, ids, now)
        await seeded(conn)
    return tokens


class RateView:
    """The author's page: a socket for ``tallied`` frames, and the rate asked
    again after each (one request in flight, one more queued)."""

    def __init__(self, node: ServerProcess, token: str, announcement: int) -> None:
        self.node, self.token, self.announcement = node, token, announcement
        self.http = httpx.AsyncClient(
            base_url=node.http, headers={"authorization": f"Bearer {token}"}, timeout=60
        )
        self.frames = 0
        self.reads = 0
        self.seen: list[tuple[float, int]] = []  # (time, confirmed)
        self.last: dict[str, object] = {}
        self.errors: list[str] = []
        self._asking: asyncio.Task[None] | None = None
        self._again = False

    async def start(self) -> None:
        self.ws = await connect(
            f"ws://{HOST}:{self.node.port}/ws",
            subprotocols=["json"],  # type: ignore[list-item]
            additional_headers={"authorization": f"Bearer {self.token}"},
            max_queue=None,
        )
        self.task = asyncio.create_task(self._read())
        await self._ask()

    async def _read(self) -> None:
        async for message in self.ws:
            frame = json.loads(message)
            if frame.get("type") == "tallied" and frame["announcement"] == self.announcement:
                self.frames += 1
                self.refresh()

    def refresh(self) -> None:
        if self._asking is not None and not self._asking.done():
            self._again = True
            return
        self._asking = asyncio.create_task(self._ask())

    async def _ask(self) -> None:
        while True:
            self._again = False
            r = await self.http.get(f"/api/announcements/{self.announcement}/confirmations")
            self.reads += 1
            body = r.json()
            confirmed = int(body["confirmed"])
            if self.seen and confirmed < self.seen[-1][1]:
                self.errors.append(f"the rate went back: {self.seen[-1][1]} -> {confirmed}")
            self.seen.append((time.perf_counter(), confirmed))
            self.last = body
            if not self._again:
                return

    async def close(self) -> None:
        self.task.cancel()
        await self.ws.close()
        await self.http.aclose()


async def confirm_all(
    base: str, announcement: int, tokens: list[str], concurrency: int
) -> tuple[list[float], float, int]:
    """Every token confirms once; (latencies, wall time, failures)."""
    latencies: list[float] = []
    failures = 0
    queue = list(reversed(tokens))
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as client:

        async def worker() -> None:
            nonlocal failures
            while queue:
                token = queue.pop()
                started = time.perf_counter()
                r = await client.post(
                    f"/api/announcements/{announcement}/confirm",
                    headers={"authorization": f"Bearer {token}"},
                )
                latencies.append(time.perf_counter() - started)
                if r.status_code != 200:
                    failures += 1

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return latencies, time.perf_counter() - started, failures


async def bench_backend(
    backend: str, people: int, connected: int, concurrency: int
) -> tuple[list[str], list[str]]:
    say(f"\n== {backend}")
    postgres = backend == "postgres"
    tmp = tempfile.TemporaryDirectory(prefix="kaisha-bench-")
    if postgres:
        await pg_fresh_database()
        url = PG_BENCH_URL
    else:
        url = f"sqlite+aiosqlite:///{tmp.name}/kaisha.db"
    node = kaisha_node(
        "node", url, redis_url=REDIS_URL if postgres else None, extra_env={"LOG_LEVEL": "ERROR"}
    )
    db = Database(url)
    workers = Workers(WORKERS)
    view: RateView | None = None
    try:
        await node.start()
        admin = Http(node.http)
        await admin.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD)
        departments = [
            (await admin.call("POST", "/api/departments", {"name": name}))["id"]
            for name in ("総務部", "営業部")
        ]
        admin_token = (await admin.call("POST", "/api/tokens", {"name": "bench"}))["token"]
        started = time.perf_counter()
        tokens = await seed(db, departments, people // 2)
        say(f"  seeded {people:,} people in {time.perf_counter() - started:.1f} s")

        # Half of each department's people connected, following their own stream.
        online = [t for d in departments for t in tokens[d][: connected // 2]]
        specs = [
            OpenSpec(
                HOST,
                node.port,
                "/ws",
                online[sum(split(len(online), WORKERS)[:w]) :][:n],
                n,
                send_on_open=b'{"op":"sub_me","id":1}',
                ready_marker=b'"subbed_me"',
            )
            for w, n in enumerate(split(len(online), WORKERS))
        ]
        ok, failed, took, error = await workers.open(specs)
        say(
            f"  {ok:,} sockets open in {took:.1f} s"
            + (f" ({failed} failed: {error})" if failed else "")
        )
        await workers.collect()  # nothing stamped yet: start clean

        # Publish: the title carries the send time, so each socket's frame is stamped.
        cpu = cpu_seconds(node.pid)
        sent = time.time()
        start = time.perf_counter()
        made = await admin.call(
            "POST",
            "/api/announcements",
            {
                "title": f"t={sent}",
                "body": "**全員**、確認してください",
                "departments": departments,
                "must_read": True,
            },
        )
        wrote = time.perf_counter() - start
        got = await wait_received(workers, ok, within=120)
        data = await workers.collect()
        arrived = max(data.received_at) - sent if data.received_at else float("nan")
        publish_cpu = cpu_seconds(node.pid) - cpu
        say(
            f"  published in {ms(wrote)}; {got:,} of {ok:,} sockets had it after {ms(arrived)}"
            f" (p50 {ms(percentile(list(data.latencies), 50))}); server CPU {publish_cpu:.2f} s"
        )
        publish_row = [
            backend,
            f"{people:,}",
            f"{ok:,}",
            ms(wrote),
            ms(percentile(list(data.latencies), 50)),
            ms(arrived),
            f"{got:,}",
            f"{publish_cpu:.2f} s",
        ]

        # Confirm, with the author's rate view live.
        view = RateView(node, admin_token, made["id"])
        await view.start()
        everyone = [t for d in departments for t in tokens[d]]
        secrets.SystemRandom().shuffle(everyone)
        cpu = cpu_seconds(node.pid)
        latencies, wall, failures = await confirm_all(node.http, made["id"], everyone, concurrency)
        done_at = time.perf_counter()
        confirm_cpu = cpu_seconds(node.pid) - cpu
        end = time.monotonic() + 30
        # The view's reads are its own tasks: look at what they found until 100 %.
        while (not view.seen or view.seen[-1][1] < people) and time.monotonic() < end:  # noqa: ASYNC110
            await asyncio.sleep(0.05)
        full = next((at for at, n in view.seen if n >= people), None)
        last = view.last
        by_dept = sorted(
            (d["recipients"], d["confirmed"])
            for d in last.get("departments", [])  # type: ignore[attr-defined]
        )
        correct = (
            not view.errors
            and failures == 0
            and last.get("confirmed") == people
            and last.get("pending_count") == 0
            and by_dept == [(people // 2, people // 2)] * 2
        )
        say(
            f"  {len(latencies):,} confirmations in {wall:.1f} s: {len(latencies) / wall:,.0f}/s,"
            f" p50 {ms(percentile(latencies, 50))}, p99 {ms(percentile(latencies, 99))},"
            f" {failures} failed; server CPU {confirm_cpu:.1f} s"
        )
        say(
            f"  rate view: {view.frames} tallied frames, {view.reads} reads,"
            f" 100% {ms(full - done_at) if full else 'never'} after the last answer;"
            f" {'correct' if correct else 'WRONG: ' + '; '.join(view.errors or [str(last)[:200]])}"
        )
        confirm_row = [
            backend,
            f"{len(latencies):,}",
            f"{concurrency}",
            f"{len(latencies) / wall:,.0f}",
            ms(percentile(latencies, 50)),
            ms(percentile(latencies, 99)),
            f"{view.frames} / {view.reads}",
            ms(full - done_at) if full else "never",
            "yes" if correct else "NO",
        ]
        await admin.close()
        return publish_row, confirm_row
    finally:
        if view is not None:
            await view.close()
        await workers.close_connections()
        await workers.stop()
        await db.close()
        node.stop()
        if postgres:
            await pg_drop_database()
        tmp.cleanup()


async def main(args: argparse.Namespace) -> None:
    people, connected = (2_000, 1_000) if args.quick else (10_000, 5_000)
    for line in machine_lines():
        say(line)
    backends = [args.backend] if args.backend else ["sqlite", "postgres"]
    publish, confirm = [], []
    for backend in backends:
        p, c = await bench_backend(backend, people, connected, args.concurrency)
        publish.append(p)
        confirm.append(c)
    say("\nPublishing a must-read announcement")
    say(
        table(
            [
                "backend",
                "recipients",
                "connected",
                "request",
                "socket p50",
                "last socket",
                "received",
                "server CPU",
            ],
            publish,
        )
    )
    say("\nConfirming it, the author's rate view live")
    say(
        table(
            [
                "backend",
                "confirmations",
                "in flight",
                "per second",
                "p50",
                "p99",
                "tallied / reads",
                "view at 100%",
                "view correct",
            ],
            confirm,
        )
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=("sqlite", "postgres"))
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--concurrency", type=int, default=32)
    run(main(parser.parse_args()))
