"""Search: N posts of Japanese and English chat, on SQLite and on PostgreSQL.

For each backend a server (``python -m server``) is started on a fresh
database, and through the HTTP API a company is made: the person who
searches, in an open department; another open department; two closed
departments and a private group they are not in; a public group. Then N
posts are bulk-inserted straight into ``post`` (15 % of them comments, 1 %
deleted), spread over those channels (the searcher may read 65 %), over two
years, from templates of the things people write at work, and indexed as the
app indexes them: by migration 0009, as an upgraded installation is (the
index is taken away, down to 0008, and the migration's time is printed).

Then, sequentially, after a warm-up, for each kind of query (a 2-character
and a 4-character Japanese word, an English word; a 1-character query, two
words, a rare word), rotating through several of each kind:

- ``newest``: the first page of 20, through ``channels.search.search`` in
  this process (database, rows, models, snippets; no HTTP);
- ``best``: the same, ranked (the most relevant of the newest 200 matches);
- ``HTTP``: ``GET /api/search?q=`` (what a client waits for);
- ``LIKE``: a plain ``body LIKE '%…%'`` scan (``ILIKE`` on PostgreSQL) with the
  same read rule, newest first, the same page size: what search would cost
  without the index (it finds neither ＡＰＩ for API nor ｶｲｷﾞ for カイギ).

Also printed: how many posts each query matches, the index's size on disk
beside the post table's, what indexing costs, and PostgreSQL's plans for a
common and a rare word.

    .venv/bin/python bench/search.py            # 1,000,000 posts, 200 requests each
    .venv/bin/python bench/search.py --quick    # 50,000 posts, 50 requests each
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
from datetime import UTC, datetime, timedelta
from html import escape
from typing import Any

import asyncpg
import httpx
from _common import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    PG_BENCH_DB,
    PG_BENCH_URL,
    USER_PASSWORD,
    Http,
    MachineCpu,
    ServerProcess,
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
from alembic import command
from sqlalchemy import func, text
from sqlalchemy import select as sa_select

from channels import search
from channels.access import readable_by
from channels.models import Channel, Post
from core.fulltext import index_tokens, tsvector
from core.tables import table_of
from org.models import User
from server.db import Database, alembic_config

PG_PLAIN_URL = f"postgresql://postgres@127.0.0.1:5432/{PG_BENCH_DB}"
TARGET_P99 = 0.050
BUDGET = 12.0  # seconds at most per figure
PAGE = 20

# ---- what people write ------------------------------------------------------------------


def words(text_: str, sep: str | None = None) -> list[str]:
    return text_.split(sep)


TOPICS = words("""
    会議 定例会議 経費精算 新人研修 資料 議事録 出張 予算 見積書 請求書 契約書 顧客対応 案件
    採用面接 人事評価 健康診断 勤怠 有給休暇 リリース 障害対応 サーバー データベース 社内SNS
    テレワーク 説明会 懇親会 歓迎会 勉強会 プロジェクト スケジュール 打ち合わせ セキュリティ研修
    在庫 発注 品質 マニュアル アンケート ＡＰＩ仕様 月次報告 四半期目標 新製品 広報 営業戦略
    システム更新 引っ越し オフィス 会議室予約 ランチ 交通費 年末調整
""")
WHEN = words("今日 明日 来週 今週中 月末 金曜日 午後 朝イチ 来月 本日")
PLACES = words("会議室A 会議室B 本社 大阪支社 オンライン 3階 Zoom 食堂")
VERBS = words("""
    確認しました 共有します 更新しました 対応中です お願いします 検討中です 完了しました
    提出してください 延期になりました ご確認ください
""")
PEOPLE = words("田中 鈴木 佐藤 高橋 伊藤 渡辺 山本 中村 小林 加藤")
JA = [
    "{when}の{topic}について{verb}。",
    "{topic}の件、{verb}。",
    "{person}さん、{topic}の資料を{verb}。",
    "{when}の{topic}は{place}で{hour}時からです。",
    "{topic}と{topic2}のスケジュールを{verb}。よろしくお願いします。",
    "{topic}の締め切りは{when}です。{person}さんまで連絡してください。",
    "お疲れさまです。{topic}の議事録を{verb}。",
    "{topic}についての質問です。{topic2}とどう違いますか？",
    "{place}での{topic}、ありがとうございました！",
    "ｶｲｷﾞの前に{topic}を{verb}。",
]
SERVICES = words("billing auth search gateway payments web mobile reports")
THINGS = words("pull request|design doc|release notes|dashboard|runbook|budget|roadmap", "|")
ENVS = ["staging", "production", "the test cluster", "canary"]
EN = [
    "Deploying {svc} to {env} {when_en}.",
    "Can someone review the {thing} for {svc}?",
    "Incident: {svc} latency spiked, investigating.",
    "Thanks for the {thing}, great work!",
    "The weekly meeting moves to {day}.",
    "Reminder: submit your expense reports by {day}.",
    "New hires onboarding starts {day}, please say hi!",
    "{svc} release is blocked on the {thing}.",
    "FYI the {thing} is updated, see the wiki.",
    "Lunch at the new ramen place {day}?",
]
WHEN_EN = ["today", "tonight", "tomorrow", "this afternoon", "after lunch"]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "next week"]
MIXED = [
    "{svc}のデプロイは{when}です。",
    "PR #{n} のレビューをお願いします（{svc}）",
    "{thing}を{verb}。{topic}にも関係します。",
    "{svc} の API 仕様について{verb}。",
]
RARE = "稟議書"  # in about one post in 10,000


def body_of(rng: random.Random, n: int) -> str:
    kind = rng.random()
    fill = {
        "topic": rng.choice(TOPICS),
        "topic2": rng.choice(TOPICS),
        "when": rng.choice(WHEN),
        "place": rng.choice(PLACES),
        "verb": rng.choice(VERBS),
        "person": rng.choice(PEOPLE),
        "hour": rng.randint(9, 18),
        "svc": rng.choice(SERVICES),
        "env": rng.choice(ENVS),
        "thing": rng.choice(THINGS),
        "when_en": rng.choice(WHEN_EN),
        "day": rng.choice(DAYS),
        "n": n % 5000,
    }
    templates = JA if kind < 0.6 else EN if kind < 0.85 else MIXED
    sentences = [rng.choice(templates).format(**fill) for _ in range(rng.choice((1, 1, 2, 3)))]
    text_ = " ".join(sentences) if templates is EN else "".join(sentences)
    if rng.random() < 0.1:
        text_ = text_.upper() if templates is EN else text_
    if n % 10_000 == 7:
        text_ += f" {RARE}を回します。"
    return text_


# What is asked, by kind: each figure rotates through its kind's queries.
QUERIES: list[tuple[str, list[str]]] = [
    ("2-char Japanese", ["会議", "経費", "新人", "資料", "出張", "予算"]),
    ("4-char Japanese", ["経費精算", "新人研修", "定例会議", "健康診断"]),
    ("English word", ["review", "incident", "staging", "deploying"]),
    ("1 character", ["会", "研", "r"]),
    ("two words", ["会議 資料", "release staging", "経費 月末"]),
    ("rare word", [RARE]),
]

# ---- the company -------------------------------------------------------------------------


async def make_company(base: str) -> dict[str, Any]:
    """The searcher in an open department; channels they may and may not read."""
    admin = Http(base)
    try:
        await admin.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD)
        depts = {}
        for name, closed in (("Eng", False), ("Sales", False), ("Legal", True), ("HR", True)):
            made = await admin.call("POST", "/api/departments", {"name": name, "closed": closed})
            depts[name] = made["id"]
        people = {}
        for name, dept in (("searcher", "Eng"), ("other", "Legal"), ("hr", "HR")):
            user = await admin.call(
                "POST",
                "/api/users",
                {
                    "email": f"{name}@example.com",
                    "display_name": name.title(),
                    "password": USER_PASSWORD,
                    "department_id": depts[dept],
                },
            )
            session = Http(base)
            try:
                await session.sign_in(f"{name}@example.com", USER_PASSWORD)
                token = (await session.call("POST", "/api/tokens", {"name": "bench"}))["token"]
            finally:
                await session.close()
            people[name] = (user["id"], token)
        other = Http(base, people["other"][1])
        try:
            lunch = await other.call("POST", "/api/channels", {"name": "Lunch"})
            secret = await other.call(
                "POST", "/api/channels", {"name": "Secret", "is_private": True}
            )
        finally:
            await other.close()
        by_dept = {}
        for _, token in people.values():  # each sees their own closed department
            api = Http(base, token)
            try:
                listed = await api.call("GET", "/api/channels")
            finally:
                await api.close()
            by_dept.update({c["department_id"]: c["id"] for c in listed if c["department_id"]})
        channels = {name: by_dept[d] for name, d in depts.items()}
        channels.update(Lunch=lunch["id"], Secret=secret["id"])
        return {"people": people, "channels": channels}
    finally:
        await admin.close()


# Where posts go (and whether the searcher may read them): 65 % readable.
SHARES = [("Eng", 25), ("Sales", 25), ("Legal", 15), ("HR", 10), ("Lunch", 15), ("Secret", 10)]


class Corpus:
    """Posts as rows: (id, channel, author, parent, body, html, created_at, deleted_at)."""

    def __init__(self, n: int, first_id: int, channels: dict[str, int], authors: list[int]):
        rng = random.Random(11)
        weights = [w for _, w in SHARES]
        names = [c for c, _ in SHARES]
        start = datetime.now(UTC) - timedelta(days=730)
        step = timedelta(days=730) / max(n, 1)
        self.rows: list[tuple[Any, ...]] = []
        self.indexed: list[tuple[int, str]] = []
        tops: dict[int, list[int]] = {}
        deleted: set[int] = set()
        for i in range(n):
            post_id = first_id + i
            channel = channels[rng.choices(names, weights)[0]]
            body = body_of(rng, i)
            parent = None
            recent = tops.setdefault(channel, [])
            if recent and rng.random() < 0.15:
                parent = rng.choice(recent[-50:])
            else:
                recent.append(post_id)
            gone = parent is None and rng.random() < 0.01
            if gone:
                deleted.add(post_id)
            at = start + step * i
            self.rows.append(
                (
                    post_id,
                    channel,
                    rng.choice(authors),
                    parent,
                    body,
                    f"<p>{escape(body)}</p>",
                    at,
                    at if gone else None,
                )
            )
            if not gone and parent not in deleted:
                self.indexed.append((post_id, body))


# ---- loading -------------------------------------------------------------------------------


def _sqlite_time(at: datetime | None) -> str | None:
    return None if at is None else at.strftime("%Y-%m-%d %H:%M:%S.%f")


def load_sqlite(path: str, corpus: Corpus) -> float:
    conn = sqlite3.connect(path, timeout=60)
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        t0 = time.monotonic()
        with conn:
            conn.executemany(
                "INSERT INTO post (id, channel_id, author_id, parent_id, body, html, created_at,"
                " deleted_at, like_count, comment_count) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, 0)",
                [(*r[:6], _sqlite_time(r[6]), _sqlite_time(r[7])) for r in corpus.rows],
            )
        return time.monotonic() - t0
    finally:
        conn.close()


async def load_postgres(corpus: Corpus) -> float:
    conn = await asyncpg.connect(PG_PLAIN_URL)
    try:
        t0 = time.monotonic()
        await conn.copy_records_to_table(
            "post",
            records=[(*r, 0, 0) for r in corpus.rows],
            columns=[
                "id",
                "channel_id",
                "author_id",
                "parent_id",
                "body",
                "html",
                "created_at",
                "deleted_at",
                "like_count",
                "comment_count",
            ],
        )
        await conn.execute("SELECT setval('post_id_seq', (SELECT max(id) FROM post))")
        return time.monotonic() - t0
    finally:
        await conn.close()


def _migrate_to(connection: Any, revision: str) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    if revision == "0008":
        command.downgrade(config, revision)
    else:
        command.upgrade(config, revision)


async def index_by_migration(db: Database, postgres: bool) -> float:
    """Take the index away (down to 0008) and time migration 0009 filling it,
    as an upgraded installation would; then what autovacuum would soon do."""
    async with db.engine.begin() as conn:
        await conn.run_sync(_migrate_to, "0008")
    t0 = time.monotonic()
    await db.migrate()
    took = time.monotonic() - t0
    if postgres:
        plain = await asyncpg.connect(PG_PLAIN_URL)
        try:
            await plain.execute("VACUUM ANALYZE post")
            await plain.execute("VACUUM ANALYZE post_search")
        finally:
            await plain.close()
    else:
        async with db.engine.begin() as conn:
            await conn.execute(text("ANALYZE"))
    return took


async def sizes(db: Database, postgres: bool) -> dict[str, int]:
    async with db.engine.connect() as conn:
        if postgres:
            row = (
                await conn.execute(
                    text(
                        "SELECT pg_total_relation_size('post_search'),"
                        " pg_relation_size('ix_post_search_tokens'),"
                        " pg_total_relation_size('post')"
                    )
                )
            ).one()
            return {"index": row[0], "of which GIN": row[1], "posts": row[2]}
        index = (
            await conn.execute(
                text("SELECT sum(pgsize) FROM dbstat WHERE name LIKE 'post_search%'")
            )
        ).scalar_one()
        posts = (
            await conn.execute(
                text("SELECT sum(pgsize) FROM dbstat WHERE name = 'post' OR name LIKE 'ix_post%'")
            )
        ).scalar_one()
        return {"index": index, "posts": posts}


# ---- measuring -------------------------------------------------------------------------------

Measured = tuple[list[float], float]


async def timed(fn: Callable[[int], Awaitable[Any]], requests: int, warmup: int) -> Measured:
    """Latencies of sequential calls (``fn(i)``, i counting calls), stopping early
    past BUDGET seconds, and how busy the machine was meanwhile (0..1)."""
    end = time.monotonic() + BUDGET
    for i in range(warmup):
        await fn(i)
        if time.monotonic() > end:
            break
    out: list[float] = []
    machine = MachineCpu()
    end = time.monotonic() + BUDGET
    for i in range(requests):
        t0 = time.perf_counter()
        await fn(i)
        out.append(time.perf_counter() - t0)
        if time.monotonic() > end and len(out) >= 5:
            break
    return out, machine.busy()


def cell(measured: Measured) -> tuple[str, str, float]:
    lat, _ = measured
    return ms(percentile(lat, 50)), ms(percentile(lat, 99)), percentile(lat, 99)


async def bench_backend(backend: str, posts: int, requests: int, warmup: int) -> list[list[str]]:
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
    rows: list[list[str]] = []
    try:
        await node.start()
        company = await make_company(node.http)
        searcher, token = company["people"]["searcher"]
        authors = [p[0] for p in company["people"].values()]
        t0 = time.monotonic()
        corpus = Corpus(posts, 1, company["channels"], authors)
        say(
            f"  made {posts:,} posts ({len(corpus.indexed):,} live, with text) in "
            f"{time.monotonic() - t0:.1f} s"
        )
        if postgres:
            took = await load_postgres(corpus)
        else:
            took = await asyncio.to_thread(load_sqlite, f"{tmp.name}/kaisha.db", corpus)
        n_indexed = len(corpus.indexed)
        sample = [body for _, body in corpus.indexed[:20_000]]
        t0 = time.perf_counter()
        for body in sample:
            found = index_tokens(body)
            _ = tsvector(found) if postgres else " ".join(found)
        per_post = (time.perf_counter() - t0) / len(sample)
        del corpus, sample
        db = Database(url)
        database = db
        backfill = await index_by_migration(db, postgres)
        say(
            f"  loaded the posts in {took:.1f} s; migration 0009 indexed {n_indexed:,} of them in "
            f"{backfill:.1f} s ({n_indexed / backfill:,.0f} posts/s; their tokens "
            f"{per_post * 1e6:.0f} µs a post)"
        )
        on_disk = await sizes(db, postgres)
        say(
            "  on disk: "
            + ", ".join(f"{k} {v / 2**20:,.1f} MiB" for k, v in on_disk.items())
            + f" ({on_disk['index'] / on_disk['posts']:.2f}× the posts')"
        )
        async with db.reader() as session:
            user = await session.get(User, searcher)
        assert user is not None

        post_t, channel_t = table_of(Post), table_of(Channel)
        readable = sa_select(channel_t.c.id).where(readable_by(user.id))

        async def like(q: str) -> int:
            pattern = f"%{q}%"
            body = post_t.c.body.ilike(pattern) if postgres else post_t.c.body.like(pattern)
            stmt = (
                sa_select(post_t.c.id)
                .where(body, post_t.c.deleted_at.is_(None), post_t.c.channel_id.in_(readable))
                .order_by(post_t.c.id.desc())
                .limit(PAGE + 1)
            )
            async with database.engine.connect() as conn:
                return len((await conn.execute(stmt)).all())

        async def find(q: str, order: str = "newest") -> int:
            async with database.engine.connect() as conn:
                page = await search.search(conn, user, search.ask(q, order=order, limit=PAGE))
            return len(page.results)

        async def count(q: str) -> int:
            ask = search.ask(q)
            stmt = search.matching(not postgres, ask)
            async with database.engine.connect() as conn:
                counted = sa_select(func.count()).select_from(stmt.subquery())
                bound = search.values(user, ask, sqlite=not postgres)
                return int((await conn.execute(counted, bound)).scalar_one())

        client = httpx.AsyncClient(
            base_url=node.http, headers={"authorization": f"Bearer {token}"}, timeout=30
        )
        try:
            for kind, queries in QUERIES:
                counts = [await count(q) for q in queries]
                say(
                    f"  {kind}: "
                    + ", ".join(f"{q} {c:,}" for q, c in zip(queries, counts, strict=True))
                )

                async def http(i: int, qs: list[str] = queries) -> None:
                    r = await client.get("/api/search", params={"q": qs[i % len(qs)]})
                    r.raise_for_status()

                async def newest_first(i: int, qs: list[str] = queries) -> None:
                    await find(qs[i % len(qs)])

                async def best_first(i: int, qs: list[str] = queries) -> None:
                    await find(qs[i % len(qs)], "best")

                async def scanned(i: int, qs: list[str] = queries) -> None:
                    await like(qs[i % len(qs)])

                newest = await timed(newest_first, requests, warmup)
                best = await timed(best_first, requests, warmup)
                over_http = await timed(http, requests, warmup)
                scan = await timed(scanned, requests, 1)
                figures = [cell(m) for m in (newest, best, over_http, scan)]
                worst = max(f[2] for f in figures[:3])
                rows.append(
                    [
                        backend,
                        kind,
                        f"{sum(counts) // len(counts):,}",
                        *(f"{p50} / {p99}" for p50, p99, _ in figures),
                        "met" if worst <= TARGET_P99 else "NOT met",
                    ]
                )
                say(
                    f"  {kind:<16} newest {figures[0][0]} / {figures[0][1]}, best {figures[1][0]}"
                    f" / {figures[1][1]}, HTTP {figures[2][0]} / {figures[2][1]}, LIKE "
                    f"{figures[3][0]} / {figures[3][1]} (p50 / p99; n={len(newest[0])}, LIKE "
                    f"n={len(scan[0])}; machine {newest[1]:.0%} busy)"
                )
        finally:
            await client.aclose()
        if postgres:
            for q in ("会議", RARE):
                ask = search.ask(q, limit=PAGE)
                bound = search.values(user, ask, sqlite=False)
                stmt = search.matching(False, ask).limit(PAGE + 1).params(bound)
                compiled = stmt.compile(
                    dialect=db.engine.dialect, compile_kwargs={"literal_binds": True}
                )
                async with db.engine.connect() as conn:
                    await conn.execute(text("SET plan_cache_mode = force_custom_plan"))
                    plan = await conn.execute(text("EXPLAIN (ANALYZE, COSTS OFF) " + str(compiled)))
                    say(f"  plan, newest first, {q}:")
                    for line in plan:
                        say("    " + str(line[0]))
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
    posts = 50_000 if args.quick else args.posts
    requests = 50 if args.quick else args.requests
    say("Kaisha search benchmark")
    for line in machine_lines():
        say(line)
    say(
        f"{posts:,} posts; {requests} sequential requests per figure after 10 warm-up ones "
        f"(at most {BUDGET:.0f} s a figure); pages of {PAGE}"
    )
    started = time.monotonic()
    rows: list[list[str]] = []
    for backend in args.backends:
        rows += await bench_backend(backend, posts, requests, 10)
    say("\n== Summary (p50 / p99)")
    headers = [
        "backend",
        "query",
        "matches",
        "newest",
        "best",
        "HTTP",
        "LIKE scan",
        "p99<=50ms",
    ]
    say(table(headers, rows))
    say(
        "matches: posts the searcher may read that match (the average over the kind's queries). "
        "newest, best: channels.search.search in this process; HTTP: GET /api/search; "
        "LIKE scan: body LIKE '%q%' with the same read rule, newest first, no index. "
        "The target applies to newest, best and HTTP."
    )
    say(f"\ntotal {time.monotonic() - started:.0f} s")


def parse() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--quick", action="store_true", help="50,000 posts, 50 requests")
    p.add_argument("--posts", type=int, default=1_000_000)
    p.add_argument("--requests", type=int, default=200)
    p.add_argument(
        "--backends", nargs="+", default=["sqlite", "postgres"], choices=["sqlite", "postgres"]
    )
    return p.parse_args()


if __name__ == "__main__":
    run(main(parse()))
