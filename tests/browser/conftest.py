"""Browser tests: a real server per test module (``python -m server`` in a child
process, SQLite in the module's temporary directory) and Debian's Chromium
driven by Playwright's sync API (the tests are plain functions, so no asyncio
loop is running when Playwright starts its own).

Setup (departments, people, tokens) goes through the HTTP API; what is tested
goes through the page. Waits are Playwright's ``expect`` with deadlines scaled
by ``TIMEOUT_FACTOR``.
"""

from __future__ import annotations

import itertools
import mimetypes
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Dialog,
    Locator,
    Page,
    Route,
    ViewportSize,
    expect,
    sync_playwright,
)

from tests.support.timing import deadline

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
ADMIN_EMAIL = "admin@example.com"
ADMIN_PASSWORD = "amber lantern harbor"
PASSWORD = "correct-horse-battery"
INVITE_LINK = re.compile(r"(http://\S+/#/invite/[\w-]+)")

expect.set_options(timeout=deadline(10) * 1000)
_names = itertools.count(1)


def unique(prefix: str) -> str:
    """A name no other test in the session uses."""
    return f"{prefix}{next(_names)}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class KaishaServer:
    """``python -m server`` on a fixed port and database, which can be stopped
    (SIGTERM) and started again on both."""

    def __init__(self, workdir: Path, *, with_admin: bool = True) -> None:
        self.workdir = workdir
        self.port = free_port()
        self.with_admin = with_admin
        self.database_url = f"sqlite+aiosqlite:///{workdir / 'kaisha.db'}"
        self.log_path = workdir / "server.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self._log: Any = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        env = dict(os.environ)
        for name in ("ADMIN_EMAIL", "ADMIN_PASSWORD", "REDIS_URL", "ALLOWED_ORIGINS"):
            env.pop(name, None)
        env.update(
            DATABASE_URL=self.database_url,
            FILES_DIR=str(self.workdir / "files"),
            HOST="127.0.0.1",
            PORT=str(self.port),
            LOG_LEVEL="WARNING",
            # Tests write faster than people do (seeding pages of posts).
            HTTP_WRITE_RATE="10000",
            HTTP_WRITE_BURST="10000",
        )
        if self.with_admin:
            env.update(ADMIN_EMAIL=ADMIN_EMAIL, ADMIN_PASSWORD=ADMIN_PASSWORD)
        self._log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "server"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=self._log,
        )
        end = time.monotonic() + deadline(30)
        while True:
            if self.proc.poll() is not None:
                self._log.close()
                raise RuntimeError(f"server exited with {self.proc.returncode}: {self.log()}")
            try:
                if httpx.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if time.monotonic() > end:
                raise AssertionError(f"server did not become healthy: {self.log()}")
            time.sleep(0.05)  # polling the health check, bounded by the deadline above

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(deadline(20))
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None
        if self._log is not None:
            self._log.close()
            self._log = None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def invite_link(self) -> str:
        """The first-run setup link the server printed on stderr."""
        end = time.monotonic() + deadline(10)
        while True:
            found = INVITE_LINK.search(self.log())
            if found:
                return found.group(1)
            if time.monotonic() > end:
                raise AssertionError(f"no setup link printed: {self.log()}")
            time.sleep(0.05)


class Api:
    """A signed-in HTTP session (cookie + CSRF header), for setting things up."""

    def __init__(self, base: str, email: str, password: str) -> None:
        self.client = httpx.Client(base_url=base, timeout=deadline(10))
        r = self.client.post("/api/session", json={"email": email, "password": password})
        r.raise_for_status()
        self.user: dict[str, Any] = r.json()["user"]
        self.client.headers["X-CSRF-Token"] = r.json()["csrf_token"]

    def call(self, method: str, path: str, body: Any = None) -> Any:
        r = self.client.request(method, path, json=body)
        if r.status_code >= 400:
            raise AssertionError(f"{method} {path} -> {r.status_code} {r.text}")
        return r.json() if r.content else None

    def close(self) -> None:
        self.client.close()


@dataclass
class Kaisha:
    """A running server with its administrator's API session."""

    server: KaishaServer
    admin: Api
    apis: list[Api] = field(default_factory=list)

    @property
    def url(self) -> str:
        return self.server.url

    def department(self, name: str, *, closed: bool = False, reading: str = "") -> dict[str, Any]:
        """A new department, open unless asked (tests of closed ones ask); returns
        it with ``channel_id``, its channel's id (None for a closed one: the
        administrator, not in it, cannot see it)."""
        dept: dict[str, Any] = self.admin.call(
            "POST", "/api/departments", {"name": name, "closed": closed, "reading": reading}
        )
        return dept

    def person(
        self, name: str, department_id: int | None = None, *, reading: str = ""
    ) -> dict[str, Any]:
        """A new member account (email ``<name>@example.com``, password PASSWORD)."""
        email = f"{name.lower()}@example.com"
        person: dict[str, Any] = self.admin.call(
            "POST",
            "/api/users",
            {
                "email": email,
                "display_name": name,
                "reading": reading,
                "password": PASSWORD,
                "department_id": department_id,
            },
        )
        return person

    def api_as(self, email: str, password: str = PASSWORD) -> Api:
        api = Api(self.url, email, password)
        self.apis.append(api)
        return api


def start_kaisha(tmp: Path) -> Iterator[Kaisha]:
    server = KaishaServer(tmp)
    server.start()
    kaisha = Kaisha(server, Api(server.url, ADMIN_EMAIL, ADMIN_PASSWORD))
    try:
        yield kaisha
    finally:
        for api in kaisha.apis:
            api.close()
        kaisha.admin.close()
        server.stop()


@pytest.fixture(scope="module")
def kaisha(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Kaisha]:
    """One server for the whole module, with an administrator."""
    yield from start_kaisha(tmp_path_factory.mktemp("kaisha"))


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Chromium for the module (closed before the next module's asyncio tests run)."""
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@dataclass
class Person:
    """Someone signed in in their own browser context."""

    context: BrowserContext
    page: Page
    dialogs: list[str]

    def open(self, hash_route: str) -> Page:
        self.page.goto("/" + hash_route)
        return self.page


SignIn = Callable[..., Person]


@pytest.fixture
def sign_in(browser: Browser, kaisha: Kaisha) -> Iterator[SignIn]:
    """sign_in(email, locale=..., viewport=...) -> Person, in a fresh context."""
    contexts: list[BrowserContext] = []

    def make(
        email: str | None,
        password: str = PASSWORD,
        *,
        locale: str = "en-US",
        viewport: ViewportSize | None = None,
    ) -> Person:
        context = browser.new_context(
            base_url=kaisha.url,
            locale=locale,
            viewport=viewport or {"width": 1280, "height": 800},
        )
        contexts.append(context)
        context.set_default_timeout(deadline(10) * 1000)
        if email is not None:
            r = context.request.post("/api/session", data={"email": email, "password": password})
            assert r.ok, r.text()
        page = context.new_page()
        dialogs: list[str] = []

        def on_dialog(dialog: Dialog) -> None:
            dialogs.append(dialog.message)
            dialog.dismiss()

        page.on("dialog", on_dialog)
        return Person(context, page, dialogs)

    yield make
    for context in contexts:
        context.close()


def connected(page: Page) -> None:
    """Wait until the page's WebSocket is open (the app marks <html data-conn>)."""
    expect(page.locator("html")).to_have_attribute("data-conn", "open")


def following(page: Page, channel_id: int) -> None:
    """Wait until the page's connection follows a channel (its `sub` was
    answered): events from then on reach the page, and `typing` is allowed."""
    script = "async (id) => !!(await import('/state.js')).app.conn?.isFollowing(id)"
    wait_until(page, lambda: bool(page.evaluate(script, channel_id)), f"a sub to {channel_id}")


def wait_until(page: Page, condition: Callable[[], bool], what: str, seconds: float = 10) -> None:
    """Poll a condition on this side (e.g. frames a route saw) with a deadline,
    letting Playwright dispatch its callbacks in between."""
    end = time.monotonic() + deadline(seconds)
    while not condition():
        if time.monotonic() > end:
            raise AssertionError(f"timed out waiting for {what}")
        page.wait_for_timeout(20)


def post_locator(page: Page, text: str) -> Locator:
    return page.get_by_test_id("timeline").get_by_test_id("post").filter(has_text=text)


# ---- web/ alone, without a server -------------------------------------------------

STATIC_ORIGIN = "http://kaisha.test"


def serve_web(route: Route) -> None:
    """web/ as the server would serve it, without a server (for client modules
    tested on their own, which talk to none)."""
    path = route.request.url.removeprefix(STATIC_ORIGIN).split("?")[0].split("#")[0].lstrip("/")
    file = ROOT / "web" / (path or "index.html")
    if not file.is_file():
        route.fulfill(status=404, body="")
        return
    kind = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
    route.fulfill(status=200, body=file.read_bytes(), content_type=kind)


@pytest.fixture
def static_page(browser: Browser) -> Iterator[Page]:
    """A page of an origin serving web/ alone, to import client modules from."""
    context = browser.new_context()
    context.set_default_timeout(deadline(10) * 1000)
    try:
        context.route(f"{STATIC_ORIGIN}/**", serve_web)
        page = context.new_page()
        page.goto(f"{STATIC_ORIGIN}/emitter.js")  # any file of the origin will do
        yield page
    finally:
        context.close()
