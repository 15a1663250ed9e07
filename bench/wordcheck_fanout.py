"""Does the word check show in fan-out latency? The same live traffic through
a node with no word list and with the largest list allowed (5,000 entries),
on SQLite (in-process bus) and on PostgreSQL (Redis bus).

For each backend a server (``python -m server``) is started with a
department of 4 people posting over their sockets at 20 posts a second in
all (bodies ``t=<send time>``) to 50 members following its channel from a
client worker process (bench/notifications.py's ``Traffic``); each
delivery's latency is its arrival less its send time. The windows alternate,
``--rounds`` times: the list emptied, then the 5,000 entries saved (the
starting lists and generated kana, kanji and Latin words: bench/wordcheck.py
``generated_list``), each window ``--seconds`` long after a second's settling (the
matcher is built then, once per saved list). Alternating spreads the
machine's own noise over both. Printed per backend and list: the posts and
deliveries, p50/p99/max of the deliveries, p99 against the no-list p99, and
the server's CPU per post.

    .venv/bin/python bench/wordcheck_fanout.py              # 3 rounds of 8 s windows (~2 min)
    .venv/bin/python bench/wordcheck_fanout.py --quick      # 2 rounds of 4 s
"""

from __future__ import annotations

import argparse
import asyncio
import random

from _common import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    REDIS_URL,
    Http,
    ServerProcess,
    bench_database,
    kaisha_node,
    machine_lines,
    ms,
    percentile,
    raise_nofile,
    run,
    say,
    table,
)
from notifications import (
    TRAFFIC_PUBLISHERS,
    TRAFFIC_RATE,
    TRAFFIC_SUBSCRIBERS,
    Measured,
    Traffic,
    _org,
    _within,
    quiet,
    seed,
)
from wordcheck import generated_list

from server.db import Database

LIST_SIZE = 5_000
NO_LIST, FULL_LIST = "no list", f"{LIST_SIZE:,} entries"


async def bench_backend(backend: str, rounds: int, seconds: float) -> list[list[str]]:
    say(f"\n== {backend}")
    generated = generated_list(LIST_SIZE, random.Random(7))
    entries = [{"word": e.word, "level": e.level} for e in generated]
    async with bench_database(backend) as url:
        redis = REDIS_URL if backend == "postgres" else None
        node = kaisha_node("node", url, redis_url=redis)
        db = Database(url)
        try:
            return await _measure(backend, node, db, entries, rounds, seconds)
        finally:
            await db.close()
            node.stop()


async def _measure(
    backend: str,
    node: ServerProcess,
    db: Database,
    entries: list[dict[str, str]],
    rounds: int,
    seconds: float,
) -> list[list[str]]:
    traffic: Traffic | None = None
    try:
        await node.start()
        other = await _org(node.http, "Traffic", TRAFFIC_PUBLISHERS)
        listeners = await seed(
            db,
            other.department_id,
            other.channel_id,
            TRAFFIC_SUBSCRIBERS,
            TRAFFIC_SUBSCRIBERS,
            "配信",
        )
        admin = Http(node.http)
        await admin.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD)
        windows: dict[str, list[Measured]] = {NO_LIST: [], FULL_LIST: []}
        counted = 0
        try:
            traffic = Traffic(node, other.channel_id, other.tokens)
            await traffic.start([token for _, token in listeners])
            await asyncio.sleep(2)  # the traffic's own warm-up, counted in no window
            for _ in range(rounds):
                for name, listed in ((NO_LIST, []), (FULL_LIST, entries)):
                    saved = await admin.call("PUT", "/api/words", {"entries": listed})
                    if listed and not counted:  # entries folding alike are one
                        counted = len(saved["entries"])
                        say(f"  {counted:,} entries in force")
                    windows[name].append(await quiet(node, seconds))
            sent_at, latencies, missing = await traffic.stop()
        finally:
            await admin.close()
        if missing or traffic.errors:
            say(
                f"  traffic: {missing} deliveries missing,"
                f" {len(traffic.errors)} errors {traffic.errors[:1]}"
            )
        base = percentile(_within(sent_at, latencies, [m.window for m in windows[NO_LIST]]), 99)
        rows = []
        for name, measured in windows.items():
            spans = [m.window for m in measured]
            during = _within(sent_at, latencies, spans)
            posts = len(during) // max(1, traffic.subscribers)
            cpu = sum(m.cpu for m in measured)
            rows.append(
                [
                    backend,
                    name,
                    f"{posts:,}",
                    f"{len(during):,}",
                    ms(percentile(during, 50)),
                    ms(percentile(during, 99)),
                    ms(max(during)),
                    f"{percentile(during, 99) / base:.2f}×",
                    ms(cpu / max(1, posts)),
                ]
            )
        return rows
    finally:
        if traffic is not None:
            await traffic.close()


async def main(args: argparse.Namespace) -> None:
    raise_nofile()
    rounds = args.rounds or (2 if args.quick else 3)
    seconds = args.seconds or (4.0 if args.quick else 8.0)
    for line in machine_lines():
        say(line)
    say(
        f"traffic: {TRAFFIC_RATE} posts/s from {TRAFFIC_PUBLISHERS} people to"
        f" {TRAFFIC_SUBSCRIBERS} subscribers; {rounds} rounds of a {seconds:g} s window"
        f" with no word list, then one with {LIST_SIZE:,} entries"
    )
    rows: list[list[str]] = []
    for backend in args.backends:
        rows += await bench_backend(backend, rounds, seconds)
    say()
    say(
        table(
            [
                "backend",
                "word list",
                "posts",
                "deliveries",
                "p50",
                "p99",
                "max",
                "p99 / no list",
                "server CPU per post",
            ],
            rows,
        )
    )


def parse() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--quick", action="store_true", help="2 rounds of 4 s windows")
    p.add_argument("--rounds", type=int, default=0, help="windows of each kind (3)")
    p.add_argument("--seconds", type=float, default=0, help="a window's length (8 s)")
    p.add_argument(
        "--backends", nargs="+", default=["sqlite", "postgres"], choices=["sqlite", "postgres"]
    )
    return p.parse_args()


if __name__ == "__main__":
    run(main(parse()))
