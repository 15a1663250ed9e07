"""Usage analytics at 1,000,000 posts, on PostgreSQL: how long the analytics
page takes to open, and how long the job's rounds take.

A server (``python -m server``) is started on the benchmarks' own database
with the analytics job every hour (so that only the rounds measured run);
20 departments are made through the HTTP API, then bulk-inserted with
``generate_series``: 2,000 people across the departments, 50 interest groups
(each person in their department's channel and 3 groups), and over the last
365 days 800,000 posts and 200,000 comments (1,000,000 rows of ``post``; 1 in
100 mentions someone), 500,000 likes; then ``VACUUM ANALYZE``.

Measured:

- the job's first round (every rollup counted from the whole history window:
  what a node does once after the upgrade), run in this process against the
  same database, and a round after it (the days since the last: what every
  interval costs);
- opening the page: ``GET /api/analytics`` as the admin (what the page
  fetches before it draws), p50 and p99 over sequential requests, and the
  size of the answer;
- a post's round trip (``POST /api/channels/{id}/posts``) while no round runs
  and while the first round runs, on the node: analytics never slow live
  delivery (the job reads on its own connection, and its writes touch only
  its own tables).

    .venv/bin/python bench/analytics.py            # 1,000,000 posts
    .venv/bin/python bench/analytics.py --quick    # 100,000 posts
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time

import asyncpg
import httpx
from _common import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    PG_BENCH_DB,
    PG_BENCH_URL,
    ROOT,
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

sys.path.insert(0, str(ROOT))

PG_PLAIN_URL = f"postgresql://postgres@127.0.0.1:5432/{PG_BENCH_DB}"
DEPARTMENTS = 20
PEOPLE = 2_000
GROUPS = 50
DAYS = 365


async def seed(posts: int) -> float:
    """People, groups, memberships, posts, comments and likes, in bulk."""
    started = time.monotonic()
    conn = await asyncpg.connect(PG_PLAIN_URL)
    try:
        depts = [r["id"] for r in await conn.fetch("SELECT id FROM department ORDER BY id")]
        await conn.execute(
            "INSERT INTO account (email, display_name, department_id, role, is_active,"
            " created_at, stream_epoch, search_text, sort_key)"
            " SELECT 'p' || g || '@example.com', 'Person ' || g,"
            " ($1::int[])[1 + g % array_length($1::int[], 1)], 'member', TRUE,"
            " now() - interval '400 days', 'e', 'person ' || g, 'person ' || g"
            " FROM generate_series(1, $2) g",
            depts,
            PEOPLE,
        )
        await conn.execute(
            "INSERT INTO channel (kind, name, description, is_private, epoch, last_seq,"
            " created_at, qa) SELECT 'group', 'group ' || g, '', FALSE, 'e', 0,"
            " now() - interval '400 days', FALSE FROM generate_series(1, $1) g",
            GROUPS,
        )
        await conn.execute(
            "INSERT INTO membership (channel_id, user_id, joined_at, notify)"
            " SELECT c.id, a.id, now() - interval '300 days', 'mentions' FROM account a"
            " JOIN channel c ON c.department_id = a.department_id"
            " WHERE a.email LIKE 'p%@example.com'"
        )
        groups = [r["id"] for r in await conn.fetch("SELECT id FROM channel WHERE kind = 'group'")]
        await conn.execute(
            "INSERT INTO membership (channel_id, user_id, joined_at, notify)"
            " SELECT DISTINCT ($1::int[])[1 + (a.id * k * 7) % array_length($1::int[], 1)],"
            " a.id, now() - (a.id % 365) * interval '1 day', 'mentions'"
            " FROM account a, generate_series(1, 3) k WHERE a.email LIKE 'p%@example.com'",
            groups,
        )
        people = [
            r["id"] for r in await conn.fetch("SELECT id FROM account WHERE email LIKE 'p%@ex%'")
        ]
        channels = [r["id"] for r in await conn.fetch("SELECT id FROM channel ORDER BY id")]
        tops = posts * 4 // 5
        # Top-level posts, spread evenly over the last DAYS days; 1 in 100
        # mentions the next person.
        await conn.execute(
            "INSERT INTO post (channel_id, author_id, parent_id, body, html, created_at,"
            " like_count, comment_count, files)"
            " SELECT ($1::int[])[1 + g % array_length($1::int[], 1)],"
            " ($2::int[])[1 + (g::bigint * 7919) % array_length($2::int[], 1)], NULL,"
            " 'update ' || g,"
            ' CASE WHEN g % 100 = 0 THEN \'<p><a class="mention" data-user="\''
            " || ($2::int[])[1 + (g::bigint * 7919 + 1) % array_length($2::int[], 1)]"
            " || '\" href=\"#\">@x</a> update</p>' ELSE '<p>update ' || g || '</p>' END,"
            " now() - $4::int * interval '1 day' + (g::float / $3) * ($4::int - 0.2)"
            " * interval '1 day', 0, 0, '[]' FROM generate_series(1, $3) g",
            channels,
            people,
            tops,
            DAYS,
        )
        first = await conn.fetchval("SELECT min(id) FROM post")
        await conn.execute(
            "INSERT INTO post (channel_id, author_id, parent_id, body, html, created_at,"
            " like_count, comment_count, files)"
            " SELECT p.channel_id,"
            " ($2::int[])[1 + (g::bigint * 104729) % array_length($2::int[], 1)],"
            " p.id, 'reply', '<p>reply</p>', p.created_at + interval '1 hour', 0, 0, '[]'"
            " FROM generate_series(1, $3) g JOIN post p ON p.id = $1 + (g * 4) % $4",
            first,
            people,
            posts - tops,
            tops,
        )
        await conn.execute(
            "INSERT INTO post_like (post_id, user_id, created_at)"
            " SELECT p.id, ($2::int[])[1 + (g * 31) % array_length($2::int[], 1)],"
            " p.created_at + interval '2 hours'"
            " FROM generate_series(1, $3) g JOIN post p ON p.id = $1 + g",
            first,
            people,
            posts // 2,
        )
        for name in ("account", "channel", "membership", "post", "post_like"):
            await conn.execute(f"VACUUM ANALYZE {name}")
        # The node's round at its start counted an empty history: start over,
        # as after the upgrade that adds analytics to an installation in use.
        await conn.execute("TRUNCATE analytics_use, analytics_link, analytics_state")
    finally:
        await conn.close()
    return time.monotonic() - started


async def job_round() -> tuple[float, float | None]:
    """One round of the analytics job in this process (wall time, and the
    time it recorded)."""
    from bus import make_bus
    from server.analytics_job import AnalyticsJob
    from server.db import Database

    db = Database(PG_BENCH_URL)
    bus = make_bus(None, prefix="bench")
    await bus.start()
    try:
        job = AnalyticsJob(db, bus, 3600)
        t0 = time.perf_counter()
        report = await job.refresh(gap=0)
        took = time.perf_counter() - t0
        return took, report.seconds if report else None
    finally:
        await bus.close()
        await db.close()


async def post_latencies(http: str, token: str, channel: int, n: int) -> list[float]:
    out = []
    async with httpx.AsyncClient(
        base_url=http, headers={"authorization": f"Bearer {token}"}, timeout=60
    ) as client:
        for i in range(n):
            t0 = time.perf_counter()
            r = await client.post(f"/api/channels/{channel}/posts", json={"body": f"live {i}"})
            r.raise_for_status()
            out.append(time.perf_counter() - t0)
    return out


async def main(posts: int, requests: int) -> None:
    say("\n".join(machine_lines()))
    await pg_fresh_database()
    node: ServerProcess = kaisha_node(
        "node", PG_BENCH_URL, extra_env={"ANALYTICS_INTERVAL": "3600"}
    )
    rows: list[list[str]] = []
    try:
        await node.start()
        org = await make_org(node.http, 1, name="Live")
        admin = Http(node.http)
        await admin.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD)
        for i in range(DEPARTMENTS - 1):
            await admin.call("POST", "/api/departments", {"name": f"Department {i}"})
        took = await seed(posts)
        say(
            f"seeded {PEOPLE:,} people, {posts:,} posts and comments, {posts // 2:,} likes"
            f" over {DAYS} days in {took:.1f} s"
        )

        quiet = await post_latencies(node.http, org.tokens[0], org.channel_id, 50)
        first_round = asyncio.create_task(job_round())
        await asyncio.sleep(0.5)
        during = await post_latencies(node.http, org.tokens[0], org.channel_id, 50)
        wall, _ = await first_round
        say(f"first round (whole window): {wall:.2f} s")
        rows.append(["job: first round (whole history window)", f"{wall:.2f} s", ""])
        wall2, _ = await job_round()
        say(f"next round (the days since): {wall2:.2f} s")
        rows.append(["job: a later round", f"{wall2:.2f} s", ""])

        for _ in range(5):
            await admin.call("GET", "/api/analytics")
        lat = []
        size = 0
        for _ in range(requests):
            t0 = time.perf_counter()
            r = await admin.client.get("/api/analytics")
            r.raise_for_status()
            lat.append(time.perf_counter() - t0)
            size = len(r.content)
        report = r.json()
        say(
            f"GET /api/analytics: p50 {ms(percentile(lat, 50))} p99 {ms(percentile(lat, 99))}"
            f" ({size:,} bytes; {report['days'][-1]['people']} active today,"
            f" {report['features'][0]['people']} posted in 30 days)"
        )
        rows.append(
            ["open the page: GET /api/analytics", ms(percentile(lat, 50)), ms(percentile(lat, 99))]
        )
        rows.append(
            ["a post, no round running", ms(percentile(quiet, 50)), ms(percentile(quiet, 99))]
        )
        rows.append(
            [
                "a post, during the first round",
                ms(percentile(during, 50)),
                ms(percentile(during, 99)),
            ]
        )
        await admin.close()
    finally:
        node.stop()
        await pg_drop_database()
    say("\n" + table(["measured", "p50 / time", "p99"], rows))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100,000 posts, 50 requests")
    parser.add_argument("--posts", type=int, help="this many posts and comments instead")
    args = parser.parse_args()
    posts, requests = (100_000, 50) if args.quick else (1_000_000, 200)
    run(main(args.posts or posts, requests))
