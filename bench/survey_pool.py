"""The cost of keeping a survey's answers in one shuffled list (surveys/pool.py):
each answer rewrites the list, so its cost grows with the responses already
there. This measures it where it is paid, with nothing else in the way.

In this process, on SQLite (a file) and PostgreSQL (the benchmarks' own
database): a migrated empty database, one person and one survey, then
``--responses`` answers' pool writes, each in its own unit of work (the
transaction an answer runs in: row locked, list read, one response put at a
random place, written back, committed). A response is a typical one of the
usage survey: two scale values, three choices, a sentence of free text
(~230 bytes of JSON). Printed: milliseconds per write, median and p99, for
the first hundred and for each later stretch, and the list's size.

    .venv/bin/python bench/survey_pool.py                   # 2,000 responses, ~1-2 min
    .venv/bin/python bench/survey_pool.py --responses 300   # quick
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta

from _common import PG_BENCH_URL, machine_lines, pg_drop_database, pg_fresh_database
from sqlalchemy import text

from bus.memory import MemoryBus
from server.db import Database
from streams.unit import Unit, run
from surveys import pool

RESPONSE = {
    "answers": {
        "1": 4,
        "2": [12],
        "3": [21, 22, 25],
        "4": [31],
        "5": 3,
        "6": "検索がもっと速いと助かります。部署をまたいだ相談がしやすくなりました。",
    }
}


async def _prepare(db: Database) -> None:
    await db.migrate()
    now = datetime.now(UTC)
    async with db.engine.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO account (id, email, display_name, role, is_active, created_at,"
                " stream_epoch, stream_seq, reading, bio, search_text, sort_key, mention_email)"
                " VALUES (1, 'a@example.com', 'A', 'admin', TRUE, :now, 'e', 0, '', '', 'a',"
                " 'a', TRUE)"
            ),
            {"now": now},
        )
        await conn.execute(
            text(
                "INSERT INTO survey (id, title, description, anonymous, company, opens_at,"
                " closes_at, created_by, created_at) VALUES (1, 'S', '', TRUE, TRUE, :now,"
                " :later, 1, :now)"
            ),
            {"now": now, "later": now + timedelta(days=14)},
        )
        await conn.execute(
            text("INSERT INTO survey_pool (survey_id, count, responses) VALUES (1, 0, '[]')")
        )


async def _measure(url: str, responses: int) -> list[float]:
    db = Database(url)
    times: list[float] = []
    try:
        await _prepare(db)
        bus = MemoryBus()

        async def add(unit: Unit) -> int:
            return await pool.add(unit.db, 1, RESPONSE)

        for _ in range(responses):
            started = time.perf_counter()
            async with db.writer() as session:
                await run(session, bus, add)
            times.append((time.perf_counter() - started) * 1000)
    finally:
        await db.close()
    return times


def _report(name: str, times: list[float]) -> None:
    size = len(json.dumps([RESPONSE] * len(times), ensure_ascii=False).encode())
    print(f"\n{name}: {len(times)} answers, the list ends at {size / 1024:.0f} KiB")
    print("  responses already there   median ms   p99 ms")
    edges = [0, 100, *range(500, len(times) + 1, 500)]
    if edges[-1] != len(times):
        edges.append(len(times))
    for a, b in itertools.pairwise(edges):
        part = sorted(times[a:b])
        if not part:
            continue
        p99 = part[min(len(part) - 1, int(len(part) * 0.99))]
        print(f"  {a:>6}–{b - 1:<6}            {statistics.median(part):>8.2f}  {p99:>7.2f}")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--responses", type=int, default=2000)
    args = parser.parse_args()
    for line in machine_lines():
        print(line)
    with tempfile.TemporaryDirectory() as tmp:
        sqlite = f"sqlite+aiosqlite:///{tmp}/bench.db"
        _report("SQLite", await _measure(sqlite, args.responses))
    await pg_fresh_database()
    try:
        _report("PostgreSQL", await _measure(PG_BENCH_URL, args.responses))
    finally:
        await pg_drop_database()


if __name__ == "__main__":
    asyncio.run(main())
