"""Fan-out: one publisher, many subscribers of one channel.

Systems, each measured in the same run:

- ``1 node``: one ``python -m server`` on SQLite with the in-process bus;
- ``2 nodes``: two ``python -m server`` on PostgreSQL sharing a Redis bus, the
  subscribers split evenly across them, the publisher on the first;
- ``floor``: a bare ``websockets`` server (``websockets.asyncio.server.serve``
  and ``broadcast()``, no auth, no storage, no JSON), relaying each frame the
  publisher sends to every subscriber; frames padded to Kaisha's event size;
- with ``--deflate``, also ``1 node`` with subscribers that offer
  permessage-deflate, as browsers do.

For 100 and 1,000 subscribers each system gets two phases:

- ``20/s``: posts at a fixed 20 a second for a few seconds. Each post body is
  ``t=<time.time() at send>``; subscribers take the difference on arrival, so
  latency is end to end (publisher -> server -> database -> bus -> subscriber).
- ``burst``: a batch of posts sent as fast as the sockets take them (from
  several publisher connections, each under the per-connection frame-rate
  burst allowance); throughput is deliveries / (last arrival - first send).

Subscribers live in separate worker processes (lean hand-written WebSocket
clients), the servers in their own processes; server CPU seconds come from
/proc/<pid>/stat. Everything shares this machine's cores: the figures say how
busy the whole machine was.

    .venv/bin/python bench/fanout.py            # the full run (about 2-3 minutes)
    .venv/bin/python bench/fanout.py --quick    # a smaller, faster run
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import secrets
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from _common import (
    HOST,
    PG_BENCH_URL,
    PYTHON,
    REDIS_URL,
    MachineCpu,
    OpenSpec,
    ServerProcess,
    Sink,
    Workers,
    WsClient,
    cpu_seconds,
    free_port,
    kaisha_headers,
    kaisha_node,
    machine_lines,
    make_org,
    ms,
    percentile,
    pg_drop_database,
    pg_fresh_database,
    raise_nofile,
    run,
    say,
    split,
    table,
    wait_received,
    ws_connect,
)

RATE = 20  # posts a second in the fixed-rate phase
PER_PUBLISHER = 150  # posts one publisher connection sends in a burst (its burst allowance is 200)
PEOPLE = 11  # one publisher and ten subscriber identities
TARGET_P99 = 0.050
TARGET_RATIO = 0.5


# ---- the floor: a bare websockets broadcast server (run in its own process) -------------


async def _floor_server(port: int) -> None:
    from websockets.asyncio.server import ServerConnection, broadcast, serve

    subscribers: set[ServerConnection] = set()

    async def handler(ws: ServerConnection) -> None:
        if ws.request is not None and ws.request.path.startswith("/pub"):
            async for message in ws:
                broadcast(subscribers, message)
        else:
            subscribers.add(ws)
            try:
                await ws.wait_closed()
            finally:
                subscribers.discard(ws)

    async with serve(handler, HOST, port, compression=None, max_queue=None) as server:
        await server.serve_forever()


# ---- publishers -----------------------------------------------------------------------------


class PublisherSink(Sink):
    def __init__(self) -> None:
        self.acks = 0
        self.errors = 0
        self.last_error = ""
        self.ready = asyncio.Event()
        self.close_code: int | None = None

    def opened(self, ws: WsClient) -> None:
        if ws.path.startswith("/pub"):
            self.ready.set()  # the floor says nothing first

    def message(self, ws: WsClient, opcode: int, payload: bytes) -> None:
        if b'"type":"ack"' in payload:
            self.acks += 1
        elif b'"type":"error"' in payload:
            self.errors += 1
            self.last_error = payload[:200].decode(errors="replace")
        elif b'"type":"hello"' in payload:
            self.ready.set()

    def closed(self, ws: WsClient, code: int | None, error: str | None) -> None:
        self.close_code = code
        self.ready.set()


@dataclass
class Publisher:
    ws: WsClient
    sink: PublisherSink


# ---- the systems under test -------------------------------------------------------------------


class System:
    name = ""
    pad = 0  # floor only: frame size to match Kaisha's

    async def start(self) -> None:
        raise NotImplementedError

    async def stop(self) -> None:
        raise NotImplementedError

    def server_pids(self) -> list[int]:
        raise NotImplementedError

    def specs(self, count: int, workers: int) -> list[OpenSpec | None]:
        raise NotImplementedError

    async def publisher(self) -> Publisher:
        raise NotImplementedError

    def frame(self, tag: str, i: int) -> bytes:
        raise NotImplementedError


class Kaisha(System):
    def __init__(self, backend: str, deflate: bool = False) -> None:
        self.backend = backend
        self.deflate = deflate
        self.name = "1 node (SQLite)" if backend == "sqlite" else "2 nodes (PG+Redis)"
        if deflate:
            self.name = "deflate: " + self.name
        self.nodes: list[ServerProcess] = []
        self.tmp = tempfile.TemporaryDirectory(prefix="kaisha-bench-")
        self.channel = 0
        self.tokens: list[str] = []

    async def start(self) -> None:
        if self.backend == "sqlite":
            url = f"sqlite+aiosqlite:///{self.tmp.name}/kaisha.db"
            self.nodes = [kaisha_node("node", url)]
        else:
            await pg_fresh_database()
            prefix = "bench" + secrets.token_hex(4)
            self.nodes = [
                kaisha_node(f"node{i}", PG_BENCH_URL, redis_url=REDIS_URL, bus_prefix=prefix)
                for i in range(2)
            ]
        for node in self.nodes:  # one after the other: the first migrates and makes the admin
            await node.start()
        org = await make_org(self.nodes[0].http, PEOPLE)
        self.channel = org.channel_id
        self.tokens = org.tokens

    async def stop(self) -> None:
        for node in self.nodes:
            node.stop()
        if self.backend != "sqlite":
            with contextlib.suppress(Exception):
                await pg_drop_database()
        self.tmp.cleanup()

    def server_pids(self) -> list[int]:
        return [n.pid for n in self.nodes]

    def specs(self, count: int, workers: int) -> list[OpenSpec | None]:
        sub = json.dumps({"op": "sub", "channel": self.channel}).encode()
        out: list[OpenSpec | None] = []
        for w, n in enumerate(split(count, workers)):
            node = self.nodes[w % len(self.nodes)]
            out.append(
                OpenSpec(
                    HOST,
                    node.port,
                    "/ws",
                    self.tokens[1:],
                    n,
                    send_on_open=sub,
                    ready_marker=b'"type":"subbed"',
                    deflate=self.deflate,
                )
                if n
                else None
            )
        return out

    async def publisher(self) -> Publisher:
        sink = PublisherSink()
        ws = await ws_connect(HOST, self.nodes[0].port, "/ws", kaisha_headers(self.tokens[0]), sink)
        await asyncio.wait_for(sink.ready.wait(), 30)
        return Publisher(ws, sink)

    def frame(self, tag: str, i: int) -> bytes:
        post = {"op": "post", "channel": self.channel, "body": f"t={time.time():.6f}"}
        return json.dumps({**post, "cid": f"{tag}-{i}"}).encode()


class Floor(System):
    name = "floor (websockets)"

    def __init__(self) -> None:
        port = free_port()
        argv = [PYTHON, str(Path(__file__).resolve()), "--floor-server", str(port)]
        self.server = ServerProcess("floor", argv, dict(os.environ), port)

    async def start(self) -> None:
        await self.server.start(health_path=None)

    async def stop(self) -> None:
        self.server.stop()

    def server_pids(self) -> list[int]:
        return [self.server.pid]

    def specs(self, count: int, workers: int) -> list[OpenSpec | None]:
        return [
            OpenSpec(HOST, self.server.port, "/sub", [], n, subprotocol=None) if n else None
            for n in split(count, workers)
        ]

    async def publisher(self) -> Publisher:
        sink = PublisherSink()
        ws = await ws_connect(HOST, self.server.port, "/pub", [], sink)
        await asyncio.wait_for(sink.ready.wait(), 30)
        return Publisher(ws, sink)

    def frame(self, tag: str, i: int) -> bytes:
        stamp = f"{time.time():.6f}"
        text = '{"type":"event","kind":"post.created","data":{"post":{"body":"t=' + stamp
        text += '","html":"'
        return (text + "x" * max(0, self.pad - len(text) - 5) + '"}}}').encode()


# ---- phases -------------------------------------------------------------------------------------


@dataclass
class Row:
    system: str
    subscribers: int
    phase: str
    posts: int
    expected: int
    delivered: int
    seconds: float
    p50: float
    p99: float
    worst: float
    server_cpu: float
    clients_cpu: float
    busy: float
    notes: str

    @property
    def rate(self) -> float:
        return self.delivered / self.seconds if self.seconds > 0 else 0.0

    @property
    def cpu_per_1000(self) -> float:
        return self.server_cpu / self.delivered * 1000 if self.delivered else float("nan")


async def run_phase(
    system: System,
    workers: Workers,
    publishers: list[Publisher],
    subscribers: int,
    phase: str,
    posts: int,
    rate: float | None,
) -> tuple[Row, int]:
    """Send ``posts`` (at ``rate``/s, or all at once spread over the publishers)."""
    tag = f"{phase}-{subscribers}-{secrets.token_hex(3)}"
    pids = system.server_pids()
    client_pids = workers.pids
    expected = posts * subscribers
    machine = MachineCpu()
    cpu0 = sum(cpu_seconds(p) for p in pids)
    ccpu0 = sum(cpu_seconds(p) for p in client_pids) + time.process_time()
    acks0 = sum(p.sink.acks for p in publishers)
    machine.start()
    first_send = time.time()
    if rate is not None:
        loop = asyncio.get_running_loop()
        t0 = loop.time()
        for i in range(posts):
            delay = t0 + i / rate - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            publishers[0].ws.send_text(system.frame(tag, i))
    else:
        shares = split(posts, len(publishers))
        i = 0
        for pub, share in zip(publishers, shares, strict=True):
            for _ in range(share):
                pub.ws.send_text(system.frame(tag, i))
                i += 1
    got = await wait_received(workers, expected, within=60 + posts / 5)
    cpu1 = sum(cpu_seconds(p) for p in pids)
    ccpu1 = sum(cpu_seconds(p) for p in client_pids) + time.process_time()
    busy = machine.busy()
    data = await workers.collect()
    lat = list(data.latencies)
    last = max(data.received_at) if len(data.received_at) else first_send
    notes = []
    if got < expected:
        notes.append(f"missing {expected - got}")
    if data.closes:
        notes.append("closes " + ", ".join(f"{k}x{v}" for k, v in sorted(data.closes.items())))
    errors = sum(p.sink.errors for p in publishers)
    if errors:
        notes.append(f"{errors} publish errors ({publishers[0].sink.last_error[:80]})")
    if isinstance(system, Kaisha):
        acks = sum(p.sink.acks for p in publishers) - acks0
        if acks < posts:
            notes.append(f"{posts - acks} posts unacked")
    row = Row(
        system.name,
        subscribers,
        phase,
        posts,
        expected,
        len(lat),
        max(last - first_send, 1e-9),
        percentile(lat, 50),
        percentile(lat, 99),
        max(lat) if lat else float("nan"),
        cpu1 - cpu0,
        ccpu1 - ccpu0,
        busy,
        "; ".join(notes),
    )
    avg = data.nbytes // len(lat) if lat else 0
    return row, avg


def describe(row: Row) -> str:
    return (
        f"  {row.phase:>6}: {row.posts} posts -> {row.delivered}/{row.expected} deliveries "
        f"in {row.seconds:.2f} s = {row.rate:,.0f}/s; latency p50 {ms(row.p50)}, "
        f"p99 {ms(row.p99)}, max {ms(row.worst)}; server CPU {row.server_cpu:.2f} s "
        f"({row.cpu_per_1000:.3f} s/1000), clients CPU {row.clients_cpu:.2f} s, "
        f"machine {row.busy:.0%} busy" + (f"; {row.notes}" if row.notes else "")
    )


async def bench_system(
    system: System, sizes: list[int], seconds: float, burst_deliveries: int, n_workers: int
) -> tuple[list[Row], int]:
    say(f"\n== {system.name}")
    rows: list[Row] = []
    frame_size = 0
    started = time.monotonic()
    try:
        await system.start()
    except BaseException:
        await system.stop()
        raise
    workers = Workers(n_workers)
    try:
        say(f"  started in {time.monotonic() - started:.1f} s")
        main = await system.publisher()
        connected = 0
        for size in sizes:
            ok, failed, took, error = await workers.open(system.specs(size - connected, n_workers))
            connected += ok
            say(
                f"  {connected} subscribers ({ok} opened in {took:.1f} s"
                + (f", {failed} failed: {error}" if failed else "")
                + ")"
            )
            if failed:
                raise RuntimeError(f"could not open {failed} subscriber connections: {error}")
            if isinstance(system, Kaisha) and system.deflate:
                say(f"  permessage-deflate agreed on {await workers.deflated()} of {connected}")
            # Warm up (and prove every subscription works) before measuring.
            warm, _ = await run_phase(system, workers, [main], connected, "warm", 5, RATE)
            if warm.delivered < warm.expected:
                say(describe(warm))
            fixed, frame_size = await run_phase(
                system, workers, [main], connected, "20/s", round(RATE * seconds), RATE
            )
            say(describe(fixed))
            rows.append(fixed)
            posts = max(20, burst_deliveries // connected)
            pubs = [await system.publisher() for _ in range(math.ceil(posts / PER_PUBLISHER))]
            burst, _ = await run_phase(system, workers, pubs, connected, "burst", posts, None)
            say(describe(burst))
            rows.append(burst)
            for pub in pubs:
                pub.ws.close()
        main.ws.close()
        await workers.close_connections()
    finally:
        await workers.stop()
        await system.stop()
    say(f"  ({time.monotonic() - started:.0f} s)")
    return rows, frame_size


def report(rows: list[Row], sizes: list[int]) -> None:
    say("\n== Summary (deliveries = post events received by subscribers)")
    say(
        table(
            [
                "system",
                "subs",
                "phase",
                "deliveries/s",
                "p50",
                "p99",
                "server CPU s/1000",
                "deliveries per server CPU-s",
                "machine busy",
                "notes",
            ],
            [
                [
                    r.system,
                    str(r.subscribers),
                    r.phase,
                    f"{r.rate:,.0f}",
                    ms(r.p50),
                    ms(r.p99),
                    f"{r.cpu_per_1000:.3f}",
                    f"{1000 / r.cpu_per_1000:,.0f}" if r.cpu_per_1000 > 0 else "-",
                    f"{r.busy:.0%}",
                    r.notes,
                ]
                for r in rows
            ],
        )
    )
    say(
        "deliveries per server CPU-second: what the server process(es) could push with a "
        "whole core each and nothing else running (less sensitive to a busy machine)."
    )

    def find(system: str, subs: int, phase: str) -> Row | None:
        return next(
            (
                r
                for r in rows
                if r.system.startswith(system) and r.subscribers == subs and r.phase == phase
            ),
            None,
        )

    say("\n== Against the floor (same run, same machine)")
    lines = []
    for size in sizes:
        floor_burst = find("floor", size, "burst")
        floor_fixed = find("floor", size, "20/s")
        for system in ("1 node", "2 nodes", "deflate: 1 node"):
            ours_burst = find(system, size, "burst")
            ours_fixed = find(system, size, "20/s")
            if not (floor_burst and floor_fixed and ours_burst and ours_fixed):
                continue
            lines.append(
                [
                    system,
                    str(size),
                    f"{ours_burst.rate:,.0f} / {floor_burst.rate:,.0f}",
                    f"{ours_burst.rate / floor_burst.rate:.0%}",
                    f"{floor_burst.cpu_per_1000 / ours_burst.cpu_per_1000:.0%}",
                    f"{ms(ours_fixed.p50)} / {ms(floor_fixed.p50)}",
                    f"{ms(ours_fixed.p99)} / {ms(floor_fixed.p99)}",
                ]
            )
    if lines:
        say(
            table(
                [
                    "system",
                    "subs",
                    "burst deliveries/s ours / floor",
                    "ratio",
                    "per-CPU ratio",
                    "20/s p50 ours / floor",
                    "20/s p99 ours / floor",
                ],
                lines,
            )
        )
        say(
            "per-CPU ratio: deliveries per server CPU-second, ours / floor (in the 2-node "
            "row, both nodes' CPU counts)."
        )

    say("\n== Targets")
    biggest = max(sizes)
    one = find("1 node", biggest, "20/s")
    if one:
        verdict = "MET" if one.p99 <= TARGET_P99 and not one.notes else "NOT MET"
        say(
            f"p99 <= 50 ms at {biggest} subscribers x {RATE} posts/s on one node: "
            f"{ms(one.p99)} -> {verdict}"
        )
    for size in sizes:
        ours, floor = find("1 node", size, "burst"), find("floor", size, "burst")
        if ours and floor:
            ratio = ours.rate / floor.rate
            verdict = "MET" if ratio >= TARGET_RATIO else "NOT MET"
            say(
                f"throughput >= 50% of the floor, one node, {size} subscribers: "
                f"{ratio:.0%} -> {verdict} (per CPU-second: "
                f"{floor.cpu_per_1000 / ours.cpu_per_1000:.0%})"
            )
    if biggest < 1000:
        say("(a --quick run: the targets are defined at 1,000 subscribers)")


async def main(args: argparse.Namespace) -> None:
    raise_nofile()
    sizes = [100, 300] if args.quick else [100, 1000]
    seconds = 3.0 if args.quick else args.seconds
    burst = 30_000 if args.quick else args.burst
    say("Kaisha fan-out benchmark")
    for line in machine_lines():
        say(line)
    say(
        f"subscribers {sizes}, {RATE} posts/s for {seconds:.0f} s, bursts of ~{burst:,} "
        f"deliveries, {args.workers} client worker processes"
    )
    say(
        "NOTE: servers, Redis, PostgreSQL and the client workers all share this machine's "
        "cores; client CPU and machine load are printed with each phase."
    )
    started = time.monotonic()
    rows: list[Row] = []
    systems: list[System] = [Kaisha("sqlite")]
    if not args.no_cluster:
        systems.append(Kaisha("postgres"))
    systems.append(Floor())
    if args.deflate:
        systems.append(Kaisha("sqlite", deflate=True))
    frame_size = 0
    for system in systems:
        if isinstance(system, Floor):
            system.pad = frame_size or 400
        if isinstance(system, Kaisha) and system.deflate:
            # The extra cost of compression shows at the largest size; keep it short.
            got, size = await bench_system(
                system, sizes[-1:], min(seconds, 4.0), burst // 2, args.workers
            )
        else:
            got, size = await bench_system(system, sizes, seconds, burst, args.workers)
        rows += got
        if isinstance(system, Kaisha) and size:
            frame_size = size
    say(f"\n(event frames ~{frame_size} bytes; floor frames padded to match)")
    report(rows, sizes)
    say(f"\ntotal {time.monotonic() - started:.0f} s")


def parse() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--quick", action="store_true", help="100 and 300 subscribers, short phases")
    p.add_argument("--seconds", type=float, default=6.0, help="length of the 20/s phase")
    p.add_argument("--burst", type=int, default=60_000, help="deliveries per burst")
    p.add_argument("--workers", type=int, default=2, help="client worker processes")
    p.add_argument("--no-cluster", action="store_true", help="skip the PostgreSQL+Redis nodes")
    p.add_argument(
        "--deflate",
        action="store_true",
        help="also run one node with subscribers offering permessage-deflate, as browsers do",
    )
    p.add_argument("--floor-server", type=int, metavar="PORT", help=argparse.SUPPRESS)
    return p.parse_args()


if __name__ == "__main__":
    arguments = parse()
    if arguments.floor_server:
        raise_nofile()
        run(_floor_server(arguments.floor_server))
        sys.exit(0)
    run(main(arguments))
