"""Retention and export at scale, on SQLite, in this process (no HTTP): a
channel of N posts written 100 days ago (bulk-inserted, as bench/history.py
does), then

- ``export``: the whole network into a zip (archive/network.py ``export``);
- ``parse``: reading and checking that zip completely (what an import does
  before it writes anything);
- ``import``: taking it into a fresh database in one transaction;
- ``retention``: deleting every post (30-day limit) through the write path,
  200 a unit (archive/retention.py ``apply_due``).

    .venv/bin/python bench/export_import.py            # 100,000 posts
    .venv/bin/python bench/export_import.py --quick    # 10,000 posts
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from _common import machine_lines, table

from archive import network
from archive.retention import apply_due
from bus.memory import MemoryBus
from core.clock import utcnow
from files.storage.local import LocalStorage
from server.db import Database
from streams.unit import Unit, run


def seed(path: str, posts: int) -> None:
    old = (utcnow() - timedelta(days=100)).strftime("%Y-%m-%d %H:%M:%S.%f")
    conn = sqlite3.connect(path)
    try:
        with conn:
            conn.execute(
                "INSERT INTO account (id, email, display_name, role, is_active, created_at,"
                " stream_epoch, stream_seq, reading, bio, search_text, sort_key, mention_email,"
                " terms_version) VALUES (1, 'a@example.com', 'A', 'admin', 1, ?, 'e', 0, '', '',"
                " 'a', 'a', 1, 0)",
                (old,),
            )
            conn.execute(
                "INSERT INTO channel (id, kind, name, description, is_private, epoch, last_seq,"
                " created_at, qa) VALUES (1, 'group', 'Big', '', 0, 'e', 0, ?, 0)",
                (old,),
            )
            conn.execute(
                "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < ?)"
                " INSERT INTO post (channel_id, author_id, body, html, created_at, like_count,"
                " comment_count, files, anonymous) SELECT 1, 1, 'post ' || x || ' 会議の議事録',"
                " '<p>post ' || x || '</p>', ?, 0, 0, '[]', 0 FROM c",
                (posts, old),
            )
            conn.execute(
                "INSERT INTO channel_retention (channel_id, days, set_at) VALUES (1, 30, ?)",
                (old,),
            )
    finally:
        conn.close()


async def main(posts: int) -> None:
    work = Path(tempfile.mkdtemp(prefix="kaisha-bench-archive-"))
    source = Database(f"sqlite+aiosqlite:///{work}/source.db")
    target = Database(f"sqlite+aiosqlite:///{work}/target.db")
    storage = LocalStorage(work / "files")
    rows = []
    try:
        await source.migrate()
        await target.migrate()
        seed(str(work / "source.db"), posts)
        zipped = work / "export.zip"

        started = time.monotonic()
        async with source.writer() as session:
            conn = await session.connection()
            with zipped.open("w+b") as out:
                done = await network.export(conn, storage, out)
        took = time.monotonic() - started
        size = zipped.stat().st_size
        rows.append(
            [
                "export",
                f"{took:.1f} s",
                f"{done.total / took:,.0f} records/s",
                f"{size / 1e6:.1f} MB zip",
            ]
        )

        started = time.monotonic()
        parsed = network.parse(str(zipped), max_unpacked=8 * 1024**3)
        took = time.monotonic() - started
        rows.append(["parse + check", f"{took:.1f} s", f"{parsed.total / took:,.0f} records/s", ""])

        async def take(unit: Unit) -> None:
            await network.take_in(unit, parsed)

        started = time.monotonic()
        async with target.writer() as session:
            await run(session, MemoryBus(), take)
        took = time.monotonic() - started
        rows.append(["import", f"{took:.1f} s", f"{parsed.total / took:,.0f} records/s", ""])

        started = time.monotonic()
        deleted = 0
        while True:
            async with source.writer() as session:
                step = await apply_due(session, MemoryBus())
            deleted += step
            if not step:
                break
        took = time.monotonic() - started
        rows.append(
            ["retention", f"{took:.1f} s", f"{deleted / took:,.0f} posts/s", f"{deleted:,} deleted"]
        )
    finally:
        await source.close()
        await target.close()
        await storage.close()
    print("\n".join(machine_lines()))
    print(f"{posts:,} posts on SQLite")
    print(table(["step", "time", "rate", ""], rows))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    asyncio.run(main(10_000 if args.quick else 100_000))
