"""Connections: memory per idle, signed-in WebSocket connection on one node.

One ``python -m server`` (SQLite, in-process bus) runs as a subprocess; client
worker processes open 5,000 WebSocket connections to it, all with one bearer
API token (one person), each waiting for its ``hello``, then idle. The server's
resident memory (VmRSS in /proc/<pid>/status) is read before and after:

    per connection = (RSS with 5,000 open - RSS before) / 5,000

"Before" is taken after a warm-up round (100 connections opened and closed) so
that code and caches the first connections load are not charged to the rest.
Connections are opened in rounds of 1,000 to show whether opening gets slower
as more are open, and the server's CPU use while they sit idle is measured over
one keep-alive period (the server pings every 20 s). The same is done, as a
reference, against a bare ``websockets`` server (the "floor" of bench/fanout.py).

    .venv/bin/python bench/connections.py            # 5,000 connections (about 2-3 minutes)
    .venv/bin/python bench/connections.py --quick    # 1,000 connections, short idle window
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from _common import (
    HOST,
    PYTHON,
    OpenSpec,
    ServerProcess,
    Workers,
    cpu_seconds,
    free_port,
    kaisha_node,
    machine_lines,
    make_org,
    raise_nofile,
    rss_kib,
    run,
    say,
    split,
    table,
)

TARGET_KIB = 40.0
ROUND = 1000
WARMUP = 100
FANOUT = str(Path(__file__).resolve().parent / "fanout.py")  # runs the floor server

SpecFor = Callable[[int], OpenSpec]


@dataclass
class Result:
    name: str
    opened: int
    before_kib: int
    after_kib: int
    idle_kib: int
    closed_kib: int
    rounds: list[float]
    open_cpu: float
    idle_cpu: float
    idle_seconds: float
    dropped: int

    @property
    def per_conn(self) -> float:
        return (self.after_kib - self.before_kib) / self.opened if self.opened else float("nan")

    @property
    def per_conn_idle(self) -> float:
        return (self.idle_kib - self.before_kib) / self.opened if self.opened else float("nan")


async def settle(pid: int, seconds: float = 2.0) -> int:
    """RSS once the process has had a moment to finish what it was doing."""
    await asyncio.sleep(seconds)
    return rss_kib(pid)


async def measure(
    name: str, server: ServerProcess, spec_for: SpecFor, total: int, n_workers: int, idle: float
) -> Result:
    say(f"\n== {name}")
    pid = server.pid
    workers = Workers(n_workers)
    try:
        ok, failed, _, error = await workers.open([spec_for(n) for n in split(WARMUP, n_workers)])
        if failed:
            raise RuntimeError(f"warm-up: {failed} connections failed: {error}")
        await workers.close_connections()
        before = await settle(pid)
        say(f"  server RSS before: {before / 1024:.1f} MiB (after a warm-up of {WARMUP})")
        cpu0 = cpu_seconds(pid)
        opened = 0
        rounds: list[float] = []
        while opened < total:
            n = min(ROUND, total - opened)
            specs = [spec_for(k) if k else None for k in split(n, n_workers)]
            ok, failed, took, error = await workers.open(specs)
            if failed:
                raise RuntimeError(f"{failed} of {n} connections failed: {error}")
            opened += ok
            rounds.append(took)
            say(
                f"  {opened:>5} open: this round of {n} took {took:.2f} s "
                f"({n / took:,.0f}/s), RSS {rss_kib(pid) / 1024:.1f} MiB"
            )
        open_cpu = cpu_seconds(pid) - cpu0
        say(f"  permessage-deflate agreed on {await workers.deflated()} of {opened} connections")
        after = await settle(pid)
        say(
            f"  RSS with {opened} open: {after / 1024:.1f} MiB -> "
            f"{(after - before) / opened:.1f} KiB per connection"
        )
        c0, t0 = cpu_seconds(pid), time.monotonic()
        await asyncio.sleep(idle)
        idle_cpu, idle_seconds = cpu_seconds(pid) - c0, time.monotonic() - t0
        idle_rss = rss_kib(pid)
        dropped = await workers.closed()
        say(
            f"  after {idle_seconds:.0f} s idle: RSS {idle_rss / 1024:.1f} MiB "
            f"({(idle_rss - before) / opened:.1f} KiB per connection), server CPU "
            f"{idle_cpu / idle_seconds:.1%} of a core, {dropped} connections dropped"
        )
        await workers.close_connections()
        closed = await settle(pid, 3.0)
        say(f"  after closing them all: RSS {closed / 1024:.1f} MiB")
    finally:
        await workers.stop()
    return Result(
        name,
        opened,
        before,
        after,
        idle_rss,
        closed,
        rounds,
        open_cpu,
        idle_cpu,
        idle_seconds,
        dropped,
    )


async def run_kaisha(total: int, n_workers: int, idle: float, deflate: bool) -> Result:
    with tempfile.TemporaryDirectory(prefix="kaisha-bench-") as tmp:
        node = kaisha_node("node", f"sqlite+aiosqlite:///{tmp}/kaisha.db")
        try:
            await node.start()
            org = await make_org(node.http, 1, name="Conn")
            token = org.tokens[0]

            def spec(count: int) -> OpenSpec:
                return OpenSpec(
                    HOST,
                    node.port,
                    "/ws",
                    [token],
                    count,
                    ready_marker=b'"type":"hello"',
                    deflate=deflate,
                )

            return await measure(
                "Kaisha (clients offer deflate), one node (SQLite), clients offering "
                "permessage-deflate as browsers do"
                if deflate
                else "Kaisha, one node (SQLite), idle signed-in connections",
                node,
                spec,
                total,
                n_workers,
                idle,
            )
        finally:
            node.stop()


async def run_floor(total: int, n_workers: int, idle: float) -> Result:
    port = free_port()
    argv = [PYTHON, FANOUT, "--floor-server", str(port)]
    floor = ServerProcess("floor", argv, {**os.environ}, port)
    try:
        await floor.start(health_path=None)

        def spec(count: int) -> OpenSpec:
            return OpenSpec(HOST, port, "/sub", [], count, subprotocol=None)

        return await measure(
            "reference: bare websockets server (no auth, no app)",
            floor,
            spec,
            total,
            n_workers,
            idle,
        )
    finally:
        floor.stop()


async def main(args: argparse.Namespace) -> None:
    raise_nofile()
    total = 1000 if args.quick else args.connections
    idle = 5.0 if args.quick else args.idle
    say("Kaisha connections benchmark")
    for line in machine_lines():
        say(line)
    say(f"{total:,} idle WebSocket connections from {args.workers} client worker processes")
    started = time.monotonic()
    results = [await run_kaisha(total, args.workers, idle, deflate=False)]
    if not args.no_deflate:
        # Its idle cost is not the question here: a short idle window keeps the run brief.
        results.append(await run_kaisha(total, args.workers, min(idle, 5.0), deflate=True))
    if not args.no_floor:
        results.append(await run_floor(total, args.workers, idle))
    say("\n== Summary")
    say(
        table(
            [
                "server",
                "connections",
                "RSS before",
                "RSS open",
                "per connection",
                "per conn. after idle",
                "open rate (first/last round)",
                "idle CPU",
            ],
            [
                [
                    r.name.split(",")[0].split(":")[0],
                    f"{r.opened:,}",
                    f"{r.before_kib / 1024:.1f} MiB",
                    f"{r.after_kib / 1024:.1f} MiB",
                    f"{r.per_conn:.1f} KiB",
                    f"{r.per_conn_idle:.1f} KiB",
                    f"{min(ROUND, r.opened) / r.rounds[0]:,.0f}/s / "
                    f"{min(ROUND, r.opened) / r.rounds[-1]:,.0f}/s",
                    f"{r.idle_cpu / r.idle_seconds:.1%}",
                ]
                for r in results
            ],
        )
    )
    say("")
    for ours in results:
        if not ours.name.startswith("Kaisha"):
            continue
        verdict = "MET" if max(ours.per_conn, ours.per_conn_idle) <= TARGET_KIB else "NOT MET"
        say(
            f"Target <= {TARGET_KIB:.0f} KiB of server RSS per idle signed-in connection, "
            f"{ours.name.split(',')[0]}: {ours.per_conn:.1f} KiB "
            f"({ours.per_conn_idle:.1f} KiB after the idle window) -> {verdict}"
        )
    if total < 5000:
        say("(a --quick run: the target is defined at 5,000 connections)")
    say(f"\ntotal {time.monotonic() - started:.0f} s")


def parse() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--quick", action="store_true", help="1,000 connections, 5 s idle")
    p.add_argument("--connections", type=int, default=5000)
    p.add_argument("--idle", type=float, default=21.0, help="seconds to sit idle (pings: 20 s)")
    p.add_argument("--workers", type=int, default=4, help="client worker processes")
    p.add_argument("--no-floor", action="store_true", help="skip the bare websockets reference")
    p.add_argument(
        "--no-deflate", action="store_true", help="skip the run with permessage-deflate offered"
    )
    return p.parse_args()


if __name__ == "__main__":
    run(main(parse()))
