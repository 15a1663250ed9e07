"""Opening a big channel in the browser: time to the first posts, bytes moved.

A server (``python -m server``, SQLite) is started and a department channel is
seeded with 10,000 posts: the first ``--http`` of them through the HTTP API
with a bearer token (rendered and logged like any post), the rest copied
straight into the ``post`` table with one recursive-CTE insert (the API's
~80 posts/s would make seeding take minutes). Then headless Chromium, signed
in as a member, opens ``/#/c/<channel>`` ``--runs`` times, each in a fresh
context (cold cache), and this prints:

- time from navigation to the first post being visible (wall clock, and the
  page's own ``performance.now()``);
- bytes received: static files, API responses (as transferred, so gzip
  compressed when the server compresses them; also their unpacked size from
  the page's Resource Timing), WebSocket messages;
- how many history pages were requested (the client must fetch exactly one
  page to show the newest posts; older ones only when scrolling up).

    .venv/bin/python bench/web_open.py               # 10,000 posts, 5 runs
    .venv/bin/python bench/web_open.py --posts 2000 --runs 3
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import Browser, Request, WebSocket, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
ADMIN = ("admin@example.com", "amber lantern harbor")
READER = ("reader@example.com", "reader-password")
HISTORY = re.compile(r"/api/channels/\d+/posts(\?|$)")
BODY = (
    "'Post #' || {n} || ': **status update** for the `bench` channel, with a "
    "[link](https://example.com/' || {n} || ') and some more words to make it a "
    "realistic length for a short message.'"
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextmanager
def server(workdir: Path) -> Iterator[tuple[str, Path]]:
    """``python -m server`` on a free port; yields its URL and database file."""
    port = free_port()
    db = workdir / "bench.db"
    env = dict(os.environ)
    env.pop("REDIS_URL", None)
    env.update(
        DATABASE_URL=f"sqlite+aiosqlite:///{db}",
        HOST="127.0.0.1",
        PORT=str(port),
        ADMIN_EMAIL=ADMIN[0],
        ADMIN_PASSWORD=ADMIN[1],
        LOG_LEVEL="WARNING",
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "server"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        end = time.monotonic() + 30
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"server exited with {proc.returncode}")
            try:
                if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > end:
                raise RuntimeError("server did not start within 30 s")
            time.sleep(0.05)
        yield url, db
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()


def session(url: str, email: str, password: str) -> httpx.Client:
    client = httpx.Client(base_url=url, timeout=30)
    r = client.post("/api/session", json={"email": email, "password": password})
    r.raise_for_status()
    client.headers["X-CSRF-Token"] = r.json()["csrf_token"]
    return client


def ok(r: httpx.Response) -> Any:
    if r.status_code >= 400:
        raise RuntimeError(f"{r.request.method} {r.request.url} -> {r.status_code} {r.text}")
    return r.json()


def seed(url: str, db: Path, posts: int, via_http: int) -> int:
    """A department channel with ``posts`` posts; returns its id."""
    admin = session(url, *ADMIN)
    dept = ok(admin.post("/api/departments", json={"name": "Bench"}))
    channel: int = next(
        c["id"] for c in ok(admin.get("/api/channels")) if c["department_id"] == dept["id"]
    )
    reader = ok(
        admin.post(
            "/api/users",
            json={
                "email": READER[0],
                "display_name": "Reader",
                "password": READER[1],
                "department_id": dept["id"],
            },
        )
    )
    me = session(url, *READER)
    token = ok(me.post("/api/tokens", json={"name": "bench"}))["token"]
    me.close()
    admin.close()

    started = time.monotonic()
    via_http = max(1, min(via_http, posts))
    copies = posts - via_http
    # Old posts first (copied), then the newest ones through the API, so the
    # page the browser loads holds posts made the ordinary way.
    if copies:
        bot = httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=30)
        ok(bot.post(f"/api/channels/{channel}/posts", json={"body": "template"}))
        bot.close()
        conn = sqlite3.connect(db, timeout=60)
        try:
            (created,) = conn.execute("SELECT created_at FROM post ORDER BY id LIMIT 1").fetchone()
            with conn:
                conn.execute(
                    "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c "
                    "WHERE x < ?) INSERT INTO post (channel_id, author_id, parent_id, body, "
                    "created_at, like_count, comment_count) "
                    f"SELECT ?, ?, NULL, {BODY.format(n='x')}, ?, 0, 0 FROM c",
                    (copies - 1, channel, reader["id"], created),
                )
        finally:
            conn.close()
    copied = time.monotonic() - started

    def write(n: int) -> None:
        with httpx.Client(
            base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=30
        ) as bot:
            for i in range(n, via_http, 8):
                body = f"Live post {i}: the **newest** ones are written through the API."
                ok(bot.post(f"/api/channels/{channel}/posts", json={"body": body}))

    started = time.monotonic()
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(write, range(8)))
    written = time.monotonic() - started
    print(
        f"seeded {posts:,} posts: {copies:,} copied in {copied:.1f} s, "
        f"{via_http:,} through the API in {written:.1f} s"
    )
    return channel


@dataclass
class Run:
    wall: float = 0.0
    in_page: float = 0.0
    static_bytes: int = 0
    api_bytes: int = 0
    ws_bytes: int = 0
    # Response bodies by Resource Timing: as sent (encoded) and unpacked (decoded).
    static_body: tuple[int, int] = (0, 0)
    api_body: tuple[int, int] = (0, 0)
    requests: int = 0
    history_pages: list[str] = field(default_factory=list)
    posts_shown: int = 0


def open_once(browser: Browser, url: str, channel: int) -> Run:
    run = Run()
    context = browser.new_context(base_url=url, viewport={"width": 1280, "height": 800})
    try:
        r = context.request.post("/api/session", data={"email": READER[0], "password": READER[1]})
        assert r.ok, r.text()
        page = context.new_page()

        def finished(request: Request) -> None:
            sizes = request.sizes()
            size = sizes["responseBodySize"] + sizes["responseHeadersSize"]
            run.requests += 1
            if "/api/" in request.url:
                run.api_bytes += size
            else:
                run.static_bytes += size
            if HISTORY.search(request.url):
                run.history_pages.append(request.url.split("/api/", 1)[1])

        def socket_opened(ws: WebSocket) -> None:
            def received(payload: str | bytes) -> None:
                run.ws_bytes += len(payload.encode() if isinstance(payload, str) else payload)

            ws.on("framereceived", received)

        page.on("requestfinished", finished)
        page.on("websocket", socket_opened)
        started = time.perf_counter()
        page.goto(f"/#/c/{channel}")
        handle = page.wait_for_function(
            "() => document.querySelector('[data-testid=post]') && performance.now()",
            polling="raf",
            timeout=30000,
        )
        run.wall = time.perf_counter() - started
        run.in_page = float(handle.json_value()) / 1000
        # Let the socket settle (subscribe, presence) before counting what it moved.
        page.wait_for_function("() => document.documentElement.dataset.conn === 'open'")
        page.wait_for_load_state("networkidle")
        run.posts_shown = page.locator("[data-testid=timeline] [data-testid=post]").count()
        entries = page.evaluate(
            """() => [...performance.getEntriesByType('navigation'),
                      ...performance.getEntriesByType('resource')]
                  .map((e) => [e.name, e.encodedBodySize, e.decodedBodySize])"""
        )
        static, api = [0, 0], [0, 0]
        for name, encoded, decoded in entries:
            into = api if "/api/" in name else static
            into[0] += encoded
            into[1] += decoded
        run.static_body = (static[0], static[1])
        run.api_body = (api[0], api[1])
    finally:
        context.close()
    return run


def kib(n: float) -> str:
    return f"{n / 1024:,.1f} KiB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=10_000)
    parser.add_argument("--http", type=int, default=200, help="posts written through the API")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, server(Path(tmp)) as (url, db):
        channel = seed(url, db, args.posts, args.http)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            open_once(browser, url, channel)  # warm-up: the server's caches, Chromium's start
            runs = [open_once(browser, url, channel) for _ in range(args.runs)]
            browser.close()

    walls = [r.wall for r in runs]
    pages = [r.in_page for r in runs]
    last = runs[-1]
    print(
        f"\nopening a channel of {args.posts:,} posts, {args.runs} cold runs (fresh context each)"
    )
    print(
        f"  first posts visible: median {statistics.median(walls) * 1000:.0f} ms wall clock "
        f"(min {min(walls) * 1000:.0f}, max {max(walls) * 1000:.0f}); "
        f"{statistics.median(pages) * 1000:.0f} ms by the page's clock"
    )
    print(
        f"  received: {kib(last.static_bytes + last.api_bytes + last.ws_bytes)} in "
        f"{last.requests} requests + WebSocket "
        f"(static files {kib(last.static_bytes)}, API {kib(last.api_bytes)}, "
        f"WebSocket messages {kib(last.ws_bytes)})"
    )
    for what, (encoded, decoded) in (("static files", last.static_body), ("API", last.api_body)):
        ratio = f", {encoded / decoded:.0%}" if decoded else ""
        print(f"  {what} bodies: {kib(encoded)} sent for {kib(decoded)} unpacked{ratio}")
    print(f"  posts shown: {last.posts_shown}; history requests: {last.history_pages}")
    single = all(len(r.history_pages) == 1 and "before=" not in r.history_pages[0] for r in runs)
    print(f"  one page of history per open: {'yes' if single else 'NO'}")
    if not single:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
