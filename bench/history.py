"""History: a channel holding 1,000,000 posts, on SQLite and on PostgreSQL.

For each backend a server (``python -m server``) is started, a department with
one member is made through the HTTP API, one post is written through the API
(its row is the template), then posts are bulk-inserted straight into the
``post`` table (a recursive CTE on SQLite, ``generate_series`` on PostgreSQL),
with their stored HTML as the server would have rendered it: 1,000 in a quiet
channel, then 1,000,000 in the big channel with a medium channel's posts
interleaved (every 20th row). Then, sequentially, after a warm-up:

- ``latest``: the newest page of 50 (what opening a channel loads);
- ``older``: a 50-post page before a random post id (scrolling back, anywhere
  in the million);

each measured two ways: in this process through the server's own
``channels.reads.history_page`` (database, rows and models, no HTTP), and
over HTTP, ``GET /api/channels/{id}/posts[?before=]`` (what a client sees),
with the latest pages of the medium and quiet channels too.
The query plans of the real statements (captured as the app issues them) are
printed, with whether ``ix_post_channel_top`` is used.

    .venv/bin/python bench/history.py            # 1,000,000 posts, 200 requests each
    .venv/bin/python bench/history.py --quick    # 100,000 posts, 50 requests each
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import random
import sqlite3
import tempfile
import time
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
import httpx
from _common import (
    PG_BENCH_DB,
    PG_BENCH_URL,
    Http,
    MachineCpu,
    ServerProcess,
    cpu_seconds,
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
from sqlalchemy import event
from sqlmodel import select

from channels.reads import history_page
from channels.render import render
from org.models import User
from server.db import Database

PG_PLAIN_URL = f"postgresql://postgres@127.0.0.1:5432/{PG_BENCH_DB}"
TARGET_P99 = 0.010
INDEX = "ix_post_channel_top"
QUIET_POSTS = 1000
BUDGET = 12.0  # seconds at most per figure

# Light Markdown, as people write it, and the HTML the server renders from it
# (checked against channels.render before seeding).
BODY = (
    "'**Update ' || {n} || '**: shipped the _new_ build of `service-' || ({n} % 97) || "
    "'`, notes at https://example.com/notes/' || {n} || ' - thanks everyone!'"
)
HTML = (
    "'<p><strong>Update ' || {n} || '</strong>: shipped the <em>new</em> build of "
    "<code>service-' || ({n} % 97) || '</code>, notes at "
    '<a href="https://example.com/notes/\' || {n} || \'" rel="noopener noreferrer nofollow" '
    "target=\"_blank\">https://example.com/notes/' || {n} || '</a> - thanks everyone!</p>'"
)


def sample(n: int) -> tuple[str, str]:
    """Body and HTML of row ``n``, as the SQL above makes them."""
    body = (
        f"**Update {n}**: shipped the _new_ build of `service-{n % 97}`, notes at "
        f"https://example.com/notes/{n} - thanks everyone!"
    )
    url = f"https://example.com/notes/{n}"
    html = (
        f"<p><strong>Update {n}</strong>: shipped the <em>new</em> build of "
        f'<code>service-{n % 97}</code>, notes at <a href="{url}" '
        f'rel="noopener noreferrer nofollow" target="_blank">{url}</a> - thanks everyone!</p>'
    )
    return body, html


Seed = list[tuple[int, int, int]]
"""(channel, other channel or 0, rows), in this order; every 20th row goes to the other."""


async def seed_sqlite(path: str, author: int, plan: Seed) -> float:
    """Bulk-insert top-level posts; created_at is copied from a post the app wrote."""

    def run() -> None:
        conn = sqlite3.connect(path, timeout=60)
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            (template,) = conn.execute("SELECT created_at FROM post ORDER BY id LIMIT 1").fetchone()
            with conn:
                columns = {r[1] for r in conn.execute("PRAGMA table_info(post)")}
                html = ("html", HTML.format(n="x")) if "html" in columns else ("", "")
                for channel, other, count in plan:
                    conn.execute(
                        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c "
                        "WHERE x < ?) INSERT INTO post (channel_id, author_id, parent_id, body, "
                        f"created_at, like_count, comment_count{', ' * bool(html[0])}{html[0]}) "
                        "SELECT CASE WHEN ? > 0 AND x % 20 = 0 THEN ? ELSE ? END, ?, NULL, "
                        f"{BODY.format(n='x')}, ?, 0, 0{', ' * bool(html[0])}{html[1]} FROM c",
                        (count, other, other, channel, author, template),
                    )
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            conn.close()

    started = time.monotonic()
    await asyncio.to_thread(run)
    return time.monotonic() - started


async def seed_postgres(author: int, plan: Seed) -> float:
    started = time.monotonic()
    conn = await asyncpg.connect(PG_PLAIN_URL)
    try:
        has_html = await conn.fetchval(
            "SELECT count(*) FROM information_schema.columns "
            "WHERE table_name = 'post' AND column_name = 'html'"
        )
        html = ("html", HTML.format(n="g")) if has_html else ("", "")
        for channel, other, count in plan:
            await conn.execute(
                "INSERT INTO post (channel_id, author_id, parent_id, body, created_at, "
                f"like_count, comment_count{', ' * bool(html[0])}{html[0]}) "
                "SELECT CASE WHEN $4::int > 0 AND g % 20 = 0 THEN $4::int ELSE $1 END, $2, NULL, "
                f"{BODY.format(n='g')}, now() - ($3 - g) * interval '1 second', 0, 0"
                f"{', ' * bool(html[0])}{html[1]} FROM generate_series(1, $3) g",
                channel,
                author,
                count,
                other,
            )
        # What autovacuum would do soon after such a load; plans need the statistics.
        await conn.execute("VACUUM ANALYZE post")
    finally:
        await conn.close()
    return time.monotonic() - started


Measured = tuple[list[float], float, float]


async def timed(
    fn: Callable[[], Awaitable[Any]], requests: int, warmup: int, cpu: Callable[[], float]
) -> Measured:
    """Latencies of sequential calls (stopping early past BUDGET seconds, for slow
    cases), how busy the whole machine was meanwhile (0..1), and the CPU seconds
    per call of whoever does the work (``cpu``: the server process, or this one)."""
    end = time.monotonic() + BUDGET
    for _ in range(warmup):
        await fn()
        if time.monotonic() > end:
            break
    out: list[float] = []
    machine = MachineCpu()
    cpu0 = cpu()
    end = time.monotonic() + BUDGET
    for _ in range(requests):
        t0 = time.perf_counter()
        await fn()
        out.append(time.perf_counter() - t0)
        if time.monotonic() > end:
            break
    return out, machine.busy(), (cpu() - cpu0) / len(out)


class Captured:
    """The SQL statements an engine runs while this is active."""

    def __init__(self) -> None:
        self.statements: list[tuple[str, Any]] = []
        self.active = False

    def __call__(self, conn: Any, cursor: Any, statement: str, params: Any, *rest: Any) -> None:
        if self.active:
            self.statements.append((statement, params))


async def explain(db: Database, statement: str, params: Any, postgres: bool) -> list[str]:
    prefix = "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " if postgres else "EXPLAIN QUERY PLAN "
    async with db.engine.connect() as conn:
        result = await conn.exec_driver_sql(prefix + statement, params)
        rows = result.all()
    if postgres:
        return [str(r[0]) for r in rows]
    return [str(r[-1]) for r in rows]


Row = list[str]


def is_page_query(sql: str) -> bool:
    return "FROM post" in sql and "LIMIT" in sql


def figure(backend: str, name: str, measured: Measured, note: str = "") -> Row:
    lat, busy, cpu = measured
    p50, p99 = percentile(lat, 50), percentile(lat, 99)
    verdict = "met" if p99 <= TARGET_P99 else "NOT met"
    say(
        f"  {name:<28} p50 {ms(p50):>9}  p99 {ms(p99):>9}  max {ms(max(lat)):>9}  "
        f"CPU {ms(cpu):>8}/call  n={len(lat)}  machine {busy:4.0%} busy"
        + (f"  {note}" if note else "")
    )
    return [backend, name, ms(p50), ms(p99), ms(max(lat)), ms(cpu), f"{busy:.0%}", verdict]


async def bench_backend(backend: str, posts: int, requests: int, warmup: int) -> list[Row]:
    say(f"\n== {backend}")
    postgres = backend == "postgres"
    tmp = tempfile.TemporaryDirectory(prefix="kaisha-bench-")
    if postgres:
        await pg_fresh_database()
        url = PG_BENCH_URL
    else:
        url = f"sqlite+aiosqlite:///{tmp.name}/kaisha.db"
    node: ServerProcess = kaisha_node("node", url)
    db: Database | None = None
    rows: list[Row] = []
    try:
        await node.start()
        org = await make_org(node.http, 1, name="History")
        token, user_id, big = org.tokens[0], org.user_ids[0], org.channel_id
        api = Http(node.http, token)
        try:
            await api.call("POST", f"/api/channels/{big}/posts", {"body": "the first post"})
            quiet = (await api.call("POST", "/api/channels", {"name": "quiet"}))["id"]
            medium = (await api.call("POST", "/api/channels", {"name": "medium"}))["id"]
        finally:
            await api.close()
        for n in (7, 123_456):
            body, html = sample(n)
            if render(body) != html:
                raise RuntimeError(f"seeded HTML differs from the renderer's: {render(body)!r}")
        # A quiet channel's 1,000 posts first (low ids), then the big channel's
        # million on top, with a medium channel's posts interleaved (every 20th row):
        # the quiet channel's page lies under a million newer rows.
        rows_big = posts + posts // 19
        medium_posts = rows_big // 20
        plan = [(quiet, 0, QUIET_POSTS), (big, medium, rows_big)]
        if postgres:
            took = await seed_postgres(user_id, plan)
        else:
            took = await seed_sqlite(f"{tmp.name}/kaisha.db", user_id, plan)
        say(
            f"  seeded {rows_big - medium_posts:,} posts in the big channel ({big}), "
            f"{medium_posts:,} interleaved in a medium one ({medium}), {QUIET_POSTS:,} older "
            f"ones in a quiet one ({quiet}), in {took:.1f} s"
            + (" (with VACUUM ANALYZE)" if postgres else "")
        )

        db = Database(url)
        capture = Captured()
        event.listen(db.engine.sync_engine, "before_cursor_execute", capture)
        async with db.reader() as session:
            user = (await session.exec(select(User).where(User.id == user_id))).one()
        database = db
        newest = 1 + QUIET_POSTS + rows_big
        rng = random.Random(7)

        def older_before() -> int:
            return rng.randint(QUIET_POSTS + 100, newest)

        async def page(channel: int, before: int | None) -> None:
            async with database.reader() as session:
                got = await history_page(session, user, channel, before=before)
            assert len(got.posts) == 50, len(got.posts)

        # The page query exactly as the app issues it, to time alone and EXPLAIN.
        marker = 123_457
        capture.active = True
        await page(big, marker)
        capture.active = False
        issued = [s for s in capture.statements if is_page_query(s[0])]
        if not issued:
            raise RuntimeError("could not capture the page query")
        statement, params = issued[0]
        slot = list(params).index(marker)

        def with_before(before: int) -> tuple[Any, ...]:
            values = list(params)
            values[slot] = before
            return tuple(values)

        async def sql_only() -> None:
            async with database.engine.connect() as conn:
                result = await conn.exec_driver_sql(statement, with_before(older_before()))
                assert len(result.all()) == 51

        bodies = [sample(n)[0] for n in range(10_000_000, 10_000_000 + 50 * (requests + warmup))]
        cursor = iter(range(0, len(bodies), 50))

        async def render_50() -> None:
            start = next(cursor)
            for body in bodies[start : start + 50]:
                render.__wrapped__(body)

        client = httpx.AsyncClient(
            base_url=node.http, headers={"authorization": f"Bearer {token}"}, timeout=30
        )

        async def http(path: str) -> None:
            r = await client.get(path)
            r.raise_for_status()

        cases: list[tuple[str, Callable[[], Awaitable[None]], str]] = [
            ("latest page, HTTP", lambda: http(f"/api/channels/{big}/posts"), ""),
            (
                "older page, HTTP",
                lambda: http(f"/api/channels/{big}/posts?before={older_before()}"),
                "",
            ),
            ("medium channel page, HTTP", lambda: http(f"/api/channels/{medium}/posts"), ""),
            ("quiet channel page, HTTP", lambda: http(f"/api/channels/{quiet}/posts"), ""),
            ("latest page, in-process", lambda: page(big, None), "history_page()"),
            ("older page, in-process", lambda: page(big, older_before()), "history_page()"),
            ("older page, SQL alone", sql_only, "the page query only"),
            ("render 50 bodies", render_50, "uncached; only rows without stored HTML"),
            (
                "HTTP baseline: one channel",
                lambda: http(f"/api/channels/{big}"),
                "auth (cached), 1 query",
            ),
        ]

        def server_cpu() -> float:
            return cpu_seconds(node.pid)

        try:
            for name, fn, note in cases:
                where = server_cpu if "HTTP" in name else time.process_time
                measured = await timed(fn, requests, warmup, where)
                rows.append(figure(backend, name, measured, note))
            say("  the page query, as issued:")
            say("    " + " ".join(statement.split()))
            for title, channel, before in (
                (f"older page of the big channel (before={marker})", big, marker),
                ("latest page of the medium channel", medium, None),
                ("latest page of the quiet channel", quiet, None),
            ):
                capture.statements.clear()
                capture.active = True
                await page(channel, before)
                capture.active = False
                stmt, args = next(s for s in capture.statements if is_page_query(s[0]))
                plan_lines = await explain(database, stmt, args, postgres)
                used = any(INDEX in line for line in plan_lines)
                say(f"  plan, {title}: uses {INDEX}: {'yes' if used else 'no'}")
                for line in plan_lines:
                    say("    " + line)
        finally:
            await client.aclose()
    finally:
        if db is not None:
            await db.close()
        node.stop()
        if postgres:
            with contextlib.suppress(Exception):
                await pg_drop_database()
        tmp.cleanup()
    return rows


async def main(args: argparse.Namespace) -> None:
    posts = 100_000 if args.quick else args.posts
    requests = 50 if args.quick else args.requests
    say("Kaisha history benchmark")
    for line in machine_lines():
        say(line)
    say(f"{posts:,} posts in one channel; {requests} sequential requests per figure, after 20")
    say("warm-up requests; pages of 50 top-level posts")
    started = time.monotonic()
    rows: list[list[str]] = []
    for backend in args.backends:
        rows += await bench_backend(backend, posts, requests, 20)
    say("\n== Summary")
    headers = ["backend", "measure", "p50", "p99", "max", "CPU/call", "machine busy", "p99<=10ms"]
    say(table(headers, rows))
    say(
        "CPU/call: CPU seconds of the server process per request for HTTP rows, of this "
        "process (its threads included) per call for the others."
    )
    say(
        "The target applies to the page fetches (HTTP = what a client waits for); the SQL, "
        "render and baseline rows break the in-process time down."
    )
    say(f"\ntotal {time.monotonic() - started:.0f} s")


def parse() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--quick", action="store_true", help="100,000 posts, 50 requests")
    p.add_argument("--posts", type=int, default=1_000_000)
    p.add_argument("--requests", type=int, default=200)
    p.add_argument(
        "--backends", nargs="+", default=["sqlite", "postgres"], choices=["sqlite", "postgres"]
    )
    return p.parse_args()


if __name__ == "__main__":
    run(main(parse()))
