"""Files in the browser: what opening a channel full of images costs, and what
uploading from the page costs.

A server (``python -m server``, SQLite, files in a temporary directory) is
started; a department channel gets ``--posts`` posts of four photos each
(noisy JPEGs, so their bytes are a photo's, not a flat picture's), uploaded
through the API. Then headless Chromium, signed in as a member:

- opens the channel ``--runs`` times, each in a fresh context (cold cache),
  and prints the time to the first thumbnail drawn, the layout shift while
  the thumbnails arrive (the sum of ``layout-shift`` entries: 0 means nothing
  on screen moved), the thumbnails fetched (lazy: the ones near the screen)
  and their bytes against what the full images of the page weigh, then
  scrolls through the page and counts again;
- uploads one file of ``--upload-mb`` MB through the composer's picker and
  prints the time to "done", the throughput, the progress events seen and the
  page's JavaScript heap before, at its highest and after (the file is sent
  from the disk, never read into the page), beside the same upload by httpx;
- picks a 12-megapixel photo and prints how long its preview took (it is
  decoded and drawn small in the page) and how large the preview is.

    .venv/bin/python bench/web_files.py                 # 50 posts x 4 photos, 3 runs
    .venv/bin/python bench/web_files.py --posts 20 --runs 2 --upload-mb 20
"""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import Browser, Request, sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.support import samples

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
ADMIN = ("admin@example.com", "amber lantern harbor")
READER = ("reader@example.com", "reader-password")
THUMB = "/thumb"

WATCH_SHIFTS = """
window.__shift = 0;
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) if (!e.hadRecentInput) window.__shift += e.value;
}).observe({ type: 'layout-shift', buffered: true });
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextmanager
def server(workdir: Path) -> Iterator[str]:
    """``python -m server`` on a free port; yields its URL."""
    port = free_port()
    env = dict(os.environ)
    env.pop("REDIS_URL", None)
    env.update(
        DATABASE_URL=f"sqlite+aiosqlite:///{workdir / 'bench.db'}",
        FILES_DIR=str(workdir / "files"),
        HOST="127.0.0.1",
        PORT=str(port),
        ADMIN_EMAIL=ADMIN[0],
        ADMIN_PASSWORD=ADMIN[1],
        LOG_LEVEL="WARNING",
        HTTP_WRITE_RATE="10000",
        HTTP_WRITE_BURST="10000",
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
        yield url
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()


def session(url: str, email: str, password: str) -> httpx.Client:
    client = httpx.Client(base_url=url, timeout=120)
    r = client.post("/api/session", json={"email": email, "password": password})
    r.raise_for_status()
    client.headers["X-CSRF-Token"] = r.json()["csrf_token"]
    return client


def ok(r: httpx.Response) -> Any:
    if r.status_code >= 400:
        raise RuntimeError(f"{r.request.method} {r.request.url} -> {r.status_code} {r.text}")
    return r.json()


@dataclass
class Seeded:
    channel: int
    full_bytes: int  # what the page's images weigh at full size (their display copies)
    images: int


def seed(url: str, posts: int) -> Seeded:
    """A department channel with ``posts`` posts of four photos each."""
    admin = session(url, *ADMIN)
    dept = ok(admin.post("/api/departments", json={"name": "Photos", "closed": False}))
    channel: int = dept["channel_id"]
    ok(
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
    admin.close()
    photos = [samples.noisy_jpeg(size) for size in ((1600, 1200), (1200, 1600), (1920, 1080))]
    started = time.monotonic()

    def write(n: int) -> int:
        weight = 0
        me = session(url, *READER)
        try:
            for i in range(n, posts, 4):
                refs = [
                    ok(me.post("/api/files", params={"name": f"p{i}-{k}.jpg"}, content=photo))
                    for k, photo in enumerate(photos[(i + j) % 3] for j in range(4))
                ]
                weight += sum(r["size"] for r in refs)
                body = {"body": f"Photos {i}", "files": [r["id"] for r in refs]}
                ok(me.post(f"/api/channels/{channel}/posts", json=body))
        finally:
            me.close()
        return weight

    with ThreadPoolExecutor(4) as pool:
        full = sum(pool.map(write, range(4)))
    print(f"seeded {posts} posts of 4 photos in {time.monotonic() - started:.1f} s")
    return Seeded(channel, full, posts * 4)


@dataclass
class Open:
    first_thumb: float
    shift: float
    thumbs: int
    thumb_bytes: int
    thumbs_all: int
    thumb_bytes_all: int
    shift_all: float


def open_once(browser: Browser, url: str, channel: int) -> Open:
    context = browser.new_context(base_url=url, viewport={"width": 1280, "height": 800})
    try:
        r = context.request.post("/api/session", data={"email": READER[0], "password": READER[1]})
        assert r.ok, r.text()
        page = context.new_page()
        page.add_init_script(WATCH_SHIFTS)
        thumbs: list[int] = []

        def finished(request: Request) -> None:
            if request.url.endswith(THUMB):
                thumbs.append(request.sizes()["responseBodySize"])

        page.on("requestfinished", finished)
        started = time.perf_counter()
        page.goto(f"/#/c/{channel}")
        page.wait_for_function(
            "() => [...document.querySelectorAll('[data-testid=image-tile] img')]"
            ".some((img) => img.complete && img.naturalWidth > 0)",
            polling="raf",
            timeout=60000,
        )
        first = time.perf_counter() - started
        page.wait_for_load_state("networkidle")
        page.wait_for_timeout(500)
        shift = float(page.evaluate("window.__shift"))
        near = (len(thumbs), sum(thumbs))
        # Scroll up through the whole page: every thumbnail, once.
        page.evaluate(
            """async () => {
                const s = document.querySelector('[data-testid=timeline]');
                while (s.scrollTop > 0) {
                    s.scrollTop = Math.max(0, s.scrollTop - s.clientHeight);
                    await new Promise((r) => setTimeout(r, 100));
                }
            }"""
        )
        page.wait_for_load_state("networkidle")
        page.wait_for_timeout(500)
        return Open(
            first,
            shift,
            near[0],
            near[1],
            len(thumbs),
            sum(thumbs),
            float(page.evaluate("window.__shift")),
        )
    finally:
        context.close()


@dataclass
class Upload:
    seconds: float
    request: float  # the request alone, by the page's clock
    progress_events: int
    heap_before: float
    heap_peak: float
    heap_after: float


def heap_mb(cdp: Any) -> float:
    metrics = cdp.send("Performance.getMetrics")["metrics"]
    used = next(m["value"] for m in metrics if m["name"] == "JSHeapUsedSize")
    return float(used) / 1e6


def upload_once(browser: Browser, url: str, channel: int, path: Path) -> Upload:
    context = browser.new_context(base_url=url, viewport={"width": 1280, "height": 800})
    try:
        r = context.request.post("/api/session", data={"email": READER[0], "password": READER[1]})
        assert r.ok, r.text()
        page = context.new_page()
        page.goto(f"/#/c/{channel}")
        page.wait_for_function("() => document.documentElement.dataset.conn === 'open'")
        cdp = context.new_cdp_session(page)
        cdp.send("Performance.enable")
        page.evaluate(
            """() => {
                window.__progress = 0;
                const send = XMLHttpRequest.prototype.send;
                XMLHttpRequest.prototype.send = function (body) {
                    const started = performance.now();
                    this.upload.addEventListener('progress', () => { window.__progress += 1; });
                    this.addEventListener('loadend', () => {
                        window.__xhr = performance.now() - started;
                    });
                    return send.call(this, body);
                };
            }"""
        )
        before = heap_mb(cdp)
        peak = before
        started = time.perf_counter()
        page.get_by_test_id("composer-file-input").set_input_files(str(path))
        tile = page.locator("[data-testid=upload-tile][data-state=done]")
        while tile.count() == 0:
            peak = max(peak, heap_mb(cdp))
            failed = page.locator("[data-testid=upload-tile][data-state=failed]")
            if failed.count():
                raise RuntimeError(failed.inner_text())
            page.wait_for_timeout(50)
        seconds = time.perf_counter() - started
        request = float(page.evaluate("window.__xhr")) / 1000
        progress = int(page.evaluate("window.__progress"))
        return Upload(seconds, request, progress, before, peak, heap_mb(cdp))
    finally:
        context.close()


def preview_once(browser: Browser, url: str, channel: int, photo: Path) -> tuple[float, int]:
    context = browser.new_context(base_url=url, viewport={"width": 1280, "height": 800})
    try:
        r = context.request.post("/api/session", data={"email": READER[0], "password": READER[1]})
        assert r.ok, r.text()
        page = context.new_page()
        page.goto(f"/#/c/{channel}")
        page.wait_for_function("() => document.documentElement.dataset.conn === 'open'")
        started = time.perf_counter()
        page.get_by_test_id("composer-file-input").set_input_files(str(photo))
        handle = page.wait_for_function(
            "() => document.querySelector('[data-testid=upload-tile] img')?.src.length",
            polling="raf",
            timeout=60000,
        )
        return time.perf_counter() - started, int(handle.json_value())
    finally:
        context.close()


def kib(n: float) -> str:
    return f"{n / 1024:,.0f} KiB"


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=50)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--upload-mb", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, server(Path(tmp)) as url:
        seeded = seed(url, args.posts)
        big = Path(tmp) / "big.bin"
        big.write_bytes(secrets.token_bytes(args.upload_mb * 1024 * 1024))
        photo = Path(tmp) / "photo.jpg"
        photo.write_bytes(samples.noisy_jpeg((4000, 3000)))
        photo_bytes = photo.stat().st_size
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            open_once(browser, url, seeded.channel)  # warm-up
            opens = [open_once(browser, url, seeded.channel) for _ in range(args.runs)]
            uploads = [upload_once(browser, url, seeded.channel, big) for _ in range(args.runs)]
            previews = [preview_once(browser, url, seeded.channel, photo) for _ in range(args.runs)]
            browser.close()
        me = session(url, *READER)
        started = time.perf_counter()
        ok(me.post("/api/files", params={"name": "big.bin"}, content=big.read_bytes()))
        floor = time.perf_counter() - started
        me.close()

    print(f"\nopening a channel whose page holds {seeded.images} photos, {args.runs} cold runs")
    firsts = [o.first_thumb * 1000 for o in opens]
    print(
        f"  first thumbnail drawn: median {statistics.median(firsts):.0f} ms "
        f"(min {min(firsts):.0f}, max {max(firsts):.0f})"
    )
    last = opens[-1]
    print(
        f"  layout shift while thumbnails load: {max(o.shift for o in opens):.4f} "
        f"(after scrolling the whole page: {max(o.shift_all for o in opens):.4f})"
    )
    print(
        f"  thumbnails fetched at first: {last.thumbs} ({kib(last.thumb_bytes)}); "
        f"after scrolling through the page: {last.thumbs_all} ({kib(last.thumb_bytes_all)})"
    )
    print(f"  the same {seeded.images} photos at full size: {kib(seeded.full_bytes)}")

    size = args.upload_mb
    secs = [u.seconds for u in uploads]
    reqs = [u.request for u in uploads]
    print(f"\nuploading {size} MB from the page, {args.runs} runs")
    print(
        f"  picker to 'done': median {statistics.median(secs):.2f} s; the request alone "
        f"{statistics.median(reqs):.2f} s ({size / statistics.median(reqs):.0f} MB/s); "
        f"the same upload by httpx: {floor:.2f} s ({size / floor:.0f} MB/s)"
    )
    u = uploads[-1]
    print(
        f"  progress events: {u.progress_events}; JS heap {u.heap_before:.1f} MB before, "
        f"{u.heap_peak:.1f} MB at most, {u.heap_after:.1f} MB after"
    )
    times = [p[0] * 1000 for p in previews]
    print(
        f"\npreview of a 12-megapixel photo ({kib(photo_bytes)}): median "
        f"{statistics.median(times):.0f} ms to the tile's picture; "
        f"{kib(previews[-1][1])} as a data: URL"
    )


if __name__ == "__main__":
    main()
