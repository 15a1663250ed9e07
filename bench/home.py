"""The home feed: a person in 200 channels holding 100,000 posts, on PostgreSQL.

A server (``python -m server``) is started on the benchmarks' own database; a
department with two people is made through the HTTP API, the writer creates
199 interest groups and the reader joins them (200 channels with the
department's). Then 100,000 top-level posts, round-robin over the 200
channels, written after the reader joined, are bulk-inserted with their
``post.created`` events (``generate_series``), and ``VACUUM ANALYZE`` runs.

Measured over HTTP, sequentially, after a warm-up, in three states of the
reader's read positions:

- ``all unread``: never read anything (100,000 unread posts: the worst case);
- ``1 unread a channel``: read up to the head but one post, everywhere;
- ``all read``: after ``POST /api/home/read`` (timed once: 200 channels);

each with ``GET /api/home`` (the first page, 20 posts) and the read section's
second page (``?section=read&before=``), against references: a channel's
history page (``GET /api/channels/{id}/posts``) and the sidebar's list with
its 200 unread counts (``GET /api/channels?joined=1``).

    .venv/bin/python bench/home.py             # 100,000 posts, 200 requests each
    .venv/bin/python bench/home.py --quick     # 20,000 posts, 50 requests each
    .venv/bin/python bench/home.py --posts 200000 --keep   # and keep the database
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Awaitable, Callable

import asyncpg
import httpx
from _common import (
    PG_BENCH_DB,
    PG_BENCH_URL,
    Http,
    ServerProcess,
    kaisha_node,
    machine_lines,
    make_org,
    ms,
    percentile,
    pg_drop_database,
    pg_fresh_database,
    run,
    say,
    table,
)

PG_PLAIN_URL = f"postgresql://postgres@127.0.0.1:5432/{PG_BENCH_DB}"
CHANNELS = 200


async def seed(author: int, channels: list[int], posts: int) -> float:
    """Posts round-robin over ``channels``, each with its ``post.created`` event
    at the channel's next seq, and the channels' heads moved to them."""
    started = time.monotonic()
    conn = await asyncpg.connect(PG_PLAIN_URL)
    try:
        first = await conn.fetchval("SELECT coalesce(max(id), 0) FROM post")
        await conn.execute(
            "INSERT INTO post (channel_id, author_id, parent_id, body, html, created_at,"
            " like_count, comment_count, files)"
            " SELECT ($1::int[])[1 + g % array_length($1::int[], 1)], $2, NULL,"
            " 'update ' || g, '<p>update ' || g || '</p>',"
            " now() + g * interval '1 millisecond', 0, 0, '[]'"
            " FROM generate_series(1, $3) g",
            channels,
            author,
            posts,
        )
        await conn.execute(
            "INSERT INTO channel_event (channel_id, seq, kind, post_id, data, actor_id, created_at)"
            " SELECT p.channel_id, c.last_seq + row_number() OVER"
            " (PARTITION BY p.channel_id ORDER BY p.id), 'post.created', p.id, '{}', $2,"
            " p.created_at FROM post p JOIN channel c ON c.id = p.channel_id WHERE p.id > $1",
            first,
            author,
        )
        await conn.execute(
            "UPDATE channel SET last_seq = e.head FROM (SELECT channel_id, max(seq) AS head"
            " FROM channel_event GROUP BY channel_id) e WHERE e.channel_id = channel.id"
        )
        for name in ("post", "channel_event", "channel", "membership"):
            await conn.execute(f"VACUUM ANALYZE {name}")
    finally:
        await conn.close()
    return time.monotonic() - started


async def read_all_but_one(reader: int) -> None:
    conn = await asyncpg.connect(PG_PLAIN_URL)
    try:
        await conn.execute(
            "INSERT INTO read_position (user_id, channel_id, seq, updated_at)"
            " SELECT $1, m.channel_id, c.last_seq - 1, now() FROM membership m"
            " JOIN channel c ON c.id = m.channel_id WHERE m.user_id = $1"
            " ON CONFLICT (user_id, channel_id) DO UPDATE SET seq = EXCLUDED.seq",
            reader,
        )
        await conn.execute("VACUUM ANALYZE read_position")
    finally:
        await conn.close()


async def timed(
    fn: Callable[[str], Awaitable[object]], path: str, requests: int, warmup: int
) -> list[float]:
    for _ in range(warmup):
        await fn(path)
    out = []
    for _ in range(requests):
        t0 = time.perf_counter()
        await fn(path)
        out.append(time.perf_counter() - t0)
    return out


async def main(posts: int, requests: int, warmup: int, *, keep: bool = False) -> None:
    say("\n".join(machine_lines()))
    await pg_fresh_database()
    node: ServerProcess = kaisha_node("node", PG_BENCH_URL)
    rows: list[list[str]] = []
    try:
        await node.start()
        org = await make_org(node.http, 2, name="Home")
        reader, writer = Http(node.http, org.tokens[0]), Http(node.http, org.tokens[1])
        channels = [org.channel_id]
        try:
            for i in range(CHANNELS - 1):
                group = await writer.call("POST", "/api/channels", {"name": f"group {i}"})
                await reader.call("POST", f"/api/channels/{group['id']}/join")
                channels.append(group["id"])
        finally:
            await writer.close()
        took = await seed(org.user_ids[1], channels, posts)
        say(f"seeded {posts:,} posts in {len(channels)} channels in {took:.1f} s")

        client = httpx.AsyncClient(
            base_url=node.http, headers={"authorization": f"Bearer {org.tokens[0]}"}, timeout=60
        )

        async def get(path: str) -> httpx.Response:
            r = await client.get(path)
            r.raise_for_status()
            return r

        async def measure(state: str) -> None:
            first = (await get("/api/home")).json()
            read_page = (await get("/api/home?section=read")).json()
            before = read_page["before"]
            cases: list[tuple[str, str]] = [("GET /api/home", "/api/home")]
            if before is not None:
                cases.append(
                    ("GET /api/home, read page 2", f"/api/home?section=read&before={before}")
                )
            cases += [
                ("reference: history page", f"/api/channels/{channels[0]}/posts"),
                ("reference: channel list", "/api/channels?joined=1"),
            ]
            unread = sum(1 for p in first["posts"] if p["unread"])
            say(f"\n== {state} (first page: {unread} unread of {len(first['posts'])})")
            for name, path in cases:
                lat = await timed(get, path, requests, warmup)
                p50, p99 = percentile(lat, 50), percentile(lat, 99)
                say(f"  {name:<30} p50 {ms(p50):>9}  p99 {ms(p99):>9}  n={len(lat)}")
                rows.append([state, name, ms(p50), ms(p99)])

        try:
            await measure("all unread")
            await read_all_but_one(org.user_ids[0])
            await measure("1 unread a channel")
            t0 = time.perf_counter()
            done = await reader.call("POST", "/api/home/read")
            took = time.perf_counter() - t0
            say(f"\nPOST /api/home/read: {len(done['channels'])} channels in {ms(took)}")
            rows.append(["1 unread a channel", "POST /api/home/read (once)", ms(took), ""])
            await measure("all read")
        finally:
            await client.aclose()
            await reader.close()
    finally:
        node.stop()
        if keep:
            say(f"kept the database {PG_BENCH_DB} (all read) for EXPLAIN; drop it by hand")
        else:
            await pg_drop_database()
    say("\n" + table(["read state", "request", "p50", "p99"], rows))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="20,000 posts, 50 requests each")
    parser.add_argument("--posts", type=int, help="this many posts instead")
    parser.add_argument(
        "--keep", action="store_true", help="keep the database at the end (to EXPLAIN queries)"
    )
    args = parser.parse_args()
    posts, requests, warmup = (20_000, 50, 5) if args.quick else (100_000, 200, 20)
    run(main(args.posts or posts, requests, warmup, keep=args.keep))
