"""Pieces shared by the benchmarks in bench/: server processes, /proc readings,
a lean WebSocket client, client worker processes and the figures they print.

Everything runs on 127.0.0.1. Servers run as subprocesses (``python -m
server``, as the Procfile runs them) so their CPU time and memory can be read
from /proc; the load comes from separate worker processes so it does not share
the server's event loop. On a small machine the cores are still shared: every
script prints the machine it ran on and how busy it was.
"""

from __future__ import annotations

import array
import asyncio
import base64
import contextlib
import ctypes
import multiprocessing as mp
import multiprocessing.connection as mpc
import os
import platform
import resource
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import zlib
from collections.abc import AsyncIterator, Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar, cast

import httpx

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
HOST = "127.0.0.1"

ADMIN_EMAIL = "bench-admin@example.com"
ADMIN_PASSWORD = "bench-admin-password"
USER_PASSWORD = "bench-user-password"

PG_ADMIN_DSN = "postgresql://postgres@127.0.0.1:5432/postgres"
# Its own database (the test suite truncates kaisha_test); KAISHA_BENCH_DB names
# another when several checkouts run benchmarks on one machine: each script
# drops and makes it again, so two runs on one database cut each other off.
PG_BENCH_DB = os.environ.get("KAISHA_BENCH_DB", "kaisha_bench")
PG_BENCH_URL = f"postgresql+asyncpg://postgres@127.0.0.1:5432/{PG_BENCH_DB}"
REDIS_URL = "redis://127.0.0.1:6379/0"

T = TypeVar("T")
NOFILE = 65536
CLK_TCK = os.sysconf("SC_CLK_TCK")


# ---- the machine and /proc ---------------------------------------------------------


def event_loop_name() -> str:
    try:
        import uvloop  # noqa: F401
    except ImportError:
        return "asyncio"
    return "uvloop"


def run(main: Coroutine[Any, Any, T]) -> T:
    """Run ``main`` on uvloop when it is installed (as uvicorn does for the server),
    so that the load generators and the floor use the same kind of loop."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(main)
    result: T = uvloop.run(main)
    return result


def raise_nofile(limit: int = NOFILE) -> None:
    """Raise RLIMIT_NOFILE as far as allowed (also used as a subprocess preexec_fn)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    for want in (max(limit, hard), hard):
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, limit), want))
            return
        except (ValueError, OSError):
            continue
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def _child_setup() -> None:
    """preexec_fn of server processes: more file descriptors, and die with this process
    (PR_SET_PDEATHSIG), so a crashed or interrupted benchmark leaves no server behind."""
    raise_nofile()
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process, in seconds (from /proc/<pid>/stat)."""
    raw = Path(f"/proc/{pid}/stat").read_text()
    fields = raw[raw.rindex(")") + 2 :].split()
    # After "(comm)": state is field 3, utime field 14, stime field 15 (1-based).
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for {pid}")


class MachineCpu:
    """How busy all cores were between ``start()`` and ``busy()`` (/proc/stat)."""

    def __init__(self) -> None:
        self._start = self._read()

    @staticmethod
    def _read() -> tuple[int, int]:
        parts = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        idle = parts[3] + (parts[4] if len(parts) > 4 else 0)
        return sum(parts[:8]), idle

    def start(self) -> None:
        self._start = self._read()

    def busy(self) -> float:
        """Fraction of all cores' time that was not idle, 0..1."""
        total, idle = self._read()
        dt = total - self._start[0]
        return 0.0 if dt <= 0 else 1.0 - (idle - self._start[1]) / dt


def machine_lines() -> list[str]:
    model = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    mem_gib = 0.0
    with contextlib.suppress(OSError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_gib = int(line.split()[1]) / 1024 / 1024
    load = os.getloadavg()
    return [
        f"machine: {os.cpu_count()} cores ({model}), {mem_gib:.0f} GiB RAM, "
        f"Python {platform.python_version()}, {platform.system()} {platform.release()}, "
        f"event loop {event_loop_name()} (servers, clients and floor alike)",
        f"load average before start: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}",
    ]


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile, q in 0..100 (nan when empty)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A plain Markdown table (readable in a terminal, pasteable into docs)."""
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]

    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    out = [line(headers), "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    out += [line(r) for r in rows]
    return "\n".join(out)


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        port: int = s.getsockname()[1]
        return port


# ---- server processes -----------------------------------------------------------------


class ServerProcess:
    """A child process serving on ``port``; stderr goes to a log file for post-mortems."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], port: int) -> None:
        self.name = name
        self.argv = argv
        self.env = env
        self.port = port
        self.proc: subprocess.Popen[bytes] | None = None
        self.log_path: Path | None = None  # made at launch, removed at stop

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    @property
    def http(self) -> str:
        return f"http://{HOST}:{self.port}"

    def launch(self) -> None:
        fd, path = tempfile.mkstemp(prefix=f"kaisha-bench-{self.name}-", suffix=".log")
        os.close(fd)
        self.log_path = Path(path)
        with self.log_path.open("wb") as log:
            self.proc = subprocess.Popen(
                self.argv,
                cwd=ROOT,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=log,
                preexec_fn=_child_setup,
            )

    async def start(self, health_path: str | None = "/healthz", within: float = 60) -> None:
        """Launch, then wait until it answers ``health_path`` (None: accepts TCP)."""
        self.launch()
        assert self.proc is not None
        end = time.monotonic() + within
        async with httpx.AsyncClient() as client:
            while True:
                if self.proc.poll() is not None:
                    raise RuntimeError(
                        f"{self.name} exited with {self.proc.returncode}; log:\n{self.log_tail()}"
                    )
                try:
                    if health_path is None:
                        with socket.create_connection((HOST, self.port), timeout=1):
                            return
                    r = await client.get(self.http + health_path, timeout=2)
                    if r.status_code == 200:
                        return
                except (httpx.HTTPError, OSError):
                    pass
                if time.monotonic() > end:
                    raise RuntimeError(f"{self.name} did not start; log:\n{self.log_tail()}")
                await asyncio.sleep(0.1)

    def log_tail(self, lines: int = 30) -> str:
        if self.log_path is None:
            return ""
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        if self.log_path is not None:
            with contextlib.suppress(OSError):
                self.log_path.unlink()


def kaisha_node(
    name: str,
    database_url: str,
    *,
    redis_url: str | None = None,
    bus_prefix: str | None = None,
    extra_env: dict[str, str] | None = None,
) -> ServerProcess:
    """A ``python -m server`` node (not started); ``extra_env`` adds or overrides
    settings (``FILES_DIR``, ``IMAGE_WORKERS``)."""
    port = free_port()
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url,
        HOST=HOST,
        PORT=str(port),
        BUS_PREFIX=bus_prefix or "bench" + secrets.token_hex(4),
        ADMIN_EMAIL=ADMIN_EMAIL,
        ADMIN_PASSWORD=ADMIN_PASSWORD,
        LOG_LEVEL="WARNING",
        # A benchmark's few people stand for many: measure the server, not the
        # per-person limits (server/limits.py).
        MAX_SOCKETS_PER_PERSON="1000000",
        PERSON_FRAME_RATE="1000000",
        PERSON_FRAME_BURST="1000000",
        HTTP_WRITE_RATE="1000000",
        HTTP_WRITE_BURST="1000000",
    )
    env.pop("REDIS_URL", None)
    if redis_url:
        env["REDIS_URL"] = redis_url
    env.update(extra_env or {})
    return ServerProcess(name, [PYTHON, "-m", "server"], env, port)


def photo(width: int = 4000, height: int = 3000) -> bytes:
    """A photo-like JPEG (a gradient with noise; 12 megapixels by default, ~5.7 MB)."""
    import io

    from PIL import Image

    gradient = Image.linear_gradient("L").resize((width, height))
    noise = Image.effect_noise((width, height), 24)
    im = Image.merge("RGB", (gradient, noise, gradient.transpose(Image.Transpose.FLIP_TOP_BOTTOM)))
    buffer = io.BytesIO()
    im.save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


# ---- PostgreSQL ----------------------------------------------------------------------


async def pg_fresh_database() -> None:
    """(Re)create the benchmarks' own PostgreSQL database, empty."""
    import asyncpg

    conn = await asyncpg.connect(PG_ADMIN_DSN)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{PG_BENCH_DB}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{PG_BENCH_DB}"')
    finally:
        await conn.close()


async def pg_drop_database() -> None:
    import asyncpg

    conn = await asyncpg.connect(PG_ADMIN_DSN)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{PG_BENCH_DB}" WITH (FORCE)')
    finally:
        await conn.close()


@contextlib.asynccontextmanager
async def bench_database(backend: str) -> AsyncIterator[str]:
    """A fresh database of ``backend`` ("sqlite" or "postgres") for one run:
    its URL (a SQLite file in a temporary folder, or the benchmarks' own
    PostgreSQL database made anew), removed after."""
    with tempfile.TemporaryDirectory(prefix="kaisha-bench-") as tmp:
        if backend != "postgres":
            yield f"sqlite+aiosqlite:///{tmp}/kaisha.db"
            return
        await pg_fresh_database()
        try:
            yield PG_BENCH_URL
        finally:
            await pg_drop_database()


# ---- the HTTP API --------------------------------------------------------------------


class Http:
    """A small API client: a signed-in session (cookie + CSRF) or a bearer token."""

    def __init__(self, base: str, token: str | None = None) -> None:
        headers = {"authorization": f"Bearer {token}"} if token else {}
        self.client = httpx.AsyncClient(base_url=base, headers=headers, timeout=30)
        self.csrf: str | None = None

    async def close(self) -> None:
        await self.client.aclose()

    async def sign_in(self, email: str, password: str) -> dict[str, Any]:
        body: dict[str, Any] = await self.call(
            "POST", "/api/session", {"email": email, "password": password}
        )
        self.csrf = body["csrf_token"]
        return body

    async def call(self, method: str, path: str, body: Any = None) -> Any:
        headers = {"x-csrf-token": self.csrf} if self.csrf else {}
        r = await self.client.request(method, path, json=body, headers=headers)
        if not r.is_success:
            raise RuntimeError(f"{method} {path} -> {r.status_code} {r.text[:300]}")
        return r.json() if r.content else None


@dataclass
class Org:
    """A department (its channel holds everyone) with people who hold API tokens."""

    channel_id: int
    department_id: int
    tokens: list[str]
    user_ids: list[int]


async def make_org(base: str, people: int, name: str = "Bench") -> Org:
    admin = Http(base)
    try:
        await admin.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD)
        dept = await admin.call("POST", "/api/departments", {"name": name})
        tokens: list[str] = []
        user_ids: list[int] = []
        for i in range(people):
            email = f"{name.lower()}{i}@example.com"
            user = await admin.call(
                "POST",
                "/api/users",
                {
                    "email": email,
                    "display_name": f"{name} {i}",
                    "password": USER_PASSWORD,
                    "department_id": dept["id"],
                },
            )
            session = Http(base)
            try:
                await session.sign_in(email, USER_PASSWORD)
                tokens.append(
                    (await session.call("POST", "/api/tokens", {"name": "bench"}))["token"]
                )
            finally:
                await session.close()
            user_ids.append(user["id"])
        # A department's channel is closed by default: the admin, not a member,
        # does not see it; its people do.
        member = Http(base, tokens[0]) if tokens else admin
        try:
            channels = await member.call("GET", "/api/channels")
        finally:
            if member is not admin:
                await member.close()
        channel = next(c for c in channels if c["department_id"] == dept["id"])
        return Org(channel["id"], dept["id"], tokens, user_ids)
    finally:
        await admin.close()


# ---- a lean WebSocket client ------------------------------------------------------------
#
# The load generators must cost far less than the server they measure, so instead
# of a full client library each connection is a bare asyncio.Protocol: an HTTP/1.1
# upgrade, unmasked server frames parsed by hand, masked client frames, pongs for
# pings. No extensions are offered (no compression), as browsers' defaults aside.

OP_CONT, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG = 0, 1, 2, 8, 9, 10


def client_frame(opcode: int, payload: bytes) -> bytes:
    n = len(payload)
    if n < 126:
        head = bytes((0x80 | opcode, 0x80 | n))
    elif n < 65536:
        head = bytes((0x80 | opcode, 0x80 | 126)) + n.to_bytes(2, "big")
    else:
        head = bytes((0x80 | opcode, 0x80 | 127)) + n.to_bytes(8, "big")
    mask = os.urandom(4)
    if n:
        key = int.from_bytes((mask * (n // 4 + 1))[:n], "big")
        payload = (int.from_bytes(payload, "big") ^ key).to_bytes(n, "big")
    return head + mask + payload


class Sink:
    """What a connection reports to; subclasses override what they need."""

    def opened(self, ws: WsClient) -> None:
        pass

    def message(self, ws: WsClient, opcode: int, payload: bytes) -> None:
        pass

    def closed(self, ws: WsClient, code: int | None, error: str | None) -> None:
        pass


DEFLATE_OFFER = ("Sec-WebSocket-Extensions", "permessage-deflate; client_max_window_bits")


class WsClient(asyncio.Protocol):
    """With ``deflate`` it offers permessage-deflate as browsers do, and inflates
    what the server compresses (it sends its own frames uncompressed)."""

    def __init__(
        self,
        host: str,
        port: int,
        path: str,
        headers: Sequence[tuple[str, str]],
        sink: Sink,
        deflate: bool = False,
    ) -> None:
        self.host = host
        self.port = port
        self.path = path
        self.headers = headers
        self.sink = sink
        self.transport: asyncio.Transport | None = None
        self.open = False
        self.ready = False
        self.done = False
        self.close_code: int | None = None
        self._buf = bytearray()
        self._frag = bytearray()
        self._frag_op = 0
        self._frag_rsv1 = 0
        self.deflate = deflate
        self.inflater: Any = None  # zlib decompressor once permessage-deflate is agreed
        self._fresh_inflater = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports are not asyncio.Transport subclasses, only alike.
        self.transport = cast(asyncio.Transport, transport)
        key = base64.b64encode(os.urandom(16)).decode()
        lines = [
            f"GET {self.path} HTTP/1.1",
            f"Host: {self.host}:{self.port}",
            "Upgrade: websocket",
            "Connection: Upgrade",
            f"Sec-WebSocket-Key: {key}",
            "Sec-WebSocket-Version: 13",
            *(f"{k}: {v}" for k, v in self.headers),
            *([": ".join(DEFLATE_OFFER)] if self.deflate else []),
        ]
        self.transport.write(("\r\n".join(lines) + "\r\n\r\n").encode())

    def data_received(self, data: bytes) -> None:
        buf = self._buf
        buf += data
        if not self.open:
            end = buf.find(b"\r\n\r\n")
            if end < 0:
                return
            status = bytes(buf[: buf.find(b"\r\n")])
            response = bytes(buf[:end]).lower()
            del buf[: end + 4]
            if b" 101 " not in status:
                self._finish(None, status.decode(errors="replace"))
                return
            if b"permessage-deflate" in response:
                self.inflater = zlib.decompressobj(-15)
                self._fresh_inflater = b"server_no_context_takeover" in response
            self.open = True
            self.sink.opened(self)
        pos = 0
        size = len(buf)
        while size - pos >= 2:
            b0 = buf[pos]
            length = buf[pos + 1] & 0x7F
            head = 2
            if length == 126:
                if size - pos < 4:
                    break
                length = int.from_bytes(buf[pos + 2 : pos + 4], "big")
                head = 4
            elif length == 127:
                if size - pos < 10:
                    break
                length = int.from_bytes(buf[pos + 2 : pos + 10], "big")
                head = 10
            if size - pos < head + length:
                break
            payload = bytes(buf[pos + head : pos + head + length])
            pos += head + length
            self._frame(b0 & 0x80, b0 & 0x40, b0 & 0x0F, payload)
            if self.done:
                return
        if pos:
            del buf[:pos]

    def _frame(self, fin: int, rsv1: int, opcode: int, payload: bytes) -> None:
        if opcode in (OP_TEXT, OP_BINARY, OP_CONT):
            if opcode != OP_CONT:
                self._frag_op = opcode
                self._frag_rsv1 = rsv1
            if not fin:
                self._frag += payload
                return
            if self._frag:
                payload = bytes(self._frag) + payload
                self._frag.clear()
            if self._frag_rsv1 and self.inflater is not None:
                if self._fresh_inflater:
                    self.inflater = zlib.decompressobj(-15)
                payload = self.inflater.decompress(payload + b"\x00\x00\xff\xff")
            self.sink.message(self, self._frag_op, payload)
        elif opcode == OP_PING:
            self.send(OP_PONG, payload)
        elif opcode == OP_CLOSE:
            code = int.from_bytes(payload[:2], "big") if len(payload) >= 2 else 1005
            if self.transport is not None:
                self.transport.write(client_frame(OP_CLOSE, payload[:2]))
                self.transport.close()
            self._finish(code, None)

    def send(self, opcode: int, payload: bytes) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(client_frame(opcode, payload))

    def send_text(self, text: str | bytes) -> None:
        self.send(OP_TEXT, text.encode() if isinstance(text, str) else text)

    def close(self, code: int = 1000) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(client_frame(OP_CLOSE, code.to_bytes(2, "big")))
            self.transport.close()

    def _finish(self, code: int | None, error: str | None) -> None:
        if self.done:
            return
        self.done = True
        self.close_code = code
        if self.transport is not None:
            self.transport.close()
        self.sink.closed(self, code, error)

    def connection_lost(self, exc: Exception | None) -> None:
        self._finish(self.close_code or 1006, str(exc) if exc else None)


async def ws_connect(
    host: str, port: int, path: str, headers: Sequence[tuple[str, str]], sink: Sink
) -> WsClient:
    loop = asyncio.get_running_loop()
    _, protocol = await loop.create_connection(
        lambda: WsClient(host, port, path, headers, sink), host, port
    )
    return protocol


def kaisha_headers(token: str) -> list[tuple[str, str]]:
    return [("Sec-WebSocket-Protocol", "json"), ("Authorization", f"Bearer {token}")]


def stamp_of(payload: bytes) -> float | None:
    """The send time a benchmark put in a post body as ``t=<time.time()>``."""
    i = payload.find(b'"t=')
    if i < 0:
        return None
    j = payload.find(b'"', i + 3)
    try:
        return float(payload[i + 3 : j])
    except ValueError:
        return None


# ---- client worker processes ---------------------------------------------------------------


@dataclass
class OpenSpec:
    """Open ``count`` connections; each ``tokens[i % len]``; ready on ``ready_marker``."""

    host: str
    port: int
    path: str
    tokens: list[str]  # empty: no Authorization header (the floor server)
    count: int
    send_on_open: bytes | None = None  # e.g. a "sub" frame
    ready_marker: bytes | None = None  # None: ready once the upgrade is answered
    subprotocol: str | None = "json"
    concurrency: int = 32
    timeout: float = 120.0
    deflate: bool = False  # offer permessage-deflate, as browsers do


@dataclass
class Collected:
    latencies: array.array[float] = field(default_factory=lambda: array.array("d"))
    received_at: array.array[float] = field(default_factory=lambda: array.array("d"))
    frames: int = 0
    nbytes: int = 0
    closes: dict[str, int] = field(default_factory=dict)


class _WorkerSink(Sink):
    def __init__(self) -> None:
        self.data = Collected()
        self.marker: bytes | None = None
        self.send_on_open: bytes | None = None
        self.waiters: dict[WsClient, asyncio.Future[None]] = {}
        self.conns: list[WsClient] = []

    def opened(self, ws: WsClient) -> None:
        if self.send_on_open is not None:
            ws.send_text(self.send_on_open)
        if self.marker is None:
            self._ready(ws)

    def _ready(self, ws: WsClient) -> None:
        ws.ready = True
        waiter = self.waiters.pop(ws, None)
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def message(self, ws: WsClient, opcode: int, payload: bytes) -> None:
        now = time.time()
        data = self.data
        data.frames += 1
        sent = stamp_of(payload)
        if sent is not None:
            data.latencies.append(now - sent)
            data.received_at.append(now)
            data.nbytes += len(payload)
        elif not ws.ready and self.marker is not None and self.marker in payload:
            self._ready(ws)

    def closed(self, ws: WsClient, code: int | None, error: str | None) -> None:
        key = str(code) if code is not None else f"refused: {error}"
        self.data.closes[key] = self.data.closes.get(key, 0) + 1
        waiter = self.waiters.pop(ws, None)
        if waiter is not None and not waiter.done():
            waiter.set_exception(ConnectionError(f"closed {key} before ready"))


async def _open_many(sink: _WorkerSink, spec: OpenSpec) -> tuple[int, int, str]:
    sink.marker = spec.ready_marker
    sink.send_on_open = spec.send_on_open
    loop = asyncio.get_running_loop()
    gate = asyncio.Semaphore(spec.concurrency)
    failures: list[str] = []

    async def one(i: int) -> bool:
        headers: list[tuple[str, str]] = []
        if spec.subprotocol:
            headers.append(("Sec-WebSocket-Protocol", spec.subprotocol))
        if spec.tokens:
            headers.append(("Authorization", f"Bearer {spec.tokens[i % len(spec.tokens)]}"))
        async with gate:
            try:
                waiter: asyncio.Future[None] = loop.create_future()

                def factory() -> WsClient:
                    ws = WsClient(spec.host, spec.port, spec.path, headers, sink, spec.deflate)
                    sink.waiters[ws] = waiter
                    return ws

                _, ws = await loop.create_connection(factory, spec.host, spec.port)
                sink.conns.append(ws)
                await asyncio.wait_for(waiter, spec.timeout)
                return True
            except (OSError, ConnectionError, TimeoutError) as exc:
                failures.append(f"{type(exc).__name__}: {exc}")
                return False

    results = await asyncio.gather(*(one(i) for i in range(spec.count)))
    ok = sum(results)
    return ok, spec.count - ok, failures[0] if failures else ""


async def _worker(pipe: mpc.Connection) -> None:
    sink = _WorkerSink()

    def receive() -> tuple[Any, ...]:
        try:
            command: tuple[Any, ...] = pipe.recv()
        except (EOFError, OSError):  # the controller is gone: stop
            return ("gone",)
        return command

    while True:
        # Commands are read in a thread: the pipe stays blocking (an event loop's
        # add_reader may make it non-blocking, and large replies then fail).
        cmd = await asyncio.to_thread(receive)
        op = cmd[0]
        if op == "open":
            started = time.monotonic()
            ok, failed, error = await _open_many(sink, cmd[1])
            pipe.send(("opened", ok, failed, time.monotonic() - started, error))
        elif op == "deflated":
            pipe.send(("deflated", sum(1 for c in sink.conns if c.inflater is not None)))
        elif op == "count":
            pipe.send(("count", len(sink.data.latencies), sum(1 for c in sink.conns if c.done)))
        elif op == "collect":
            data, sink.data = sink.data, Collected()
            pipe.send(
                (
                    "data",
                    data.latencies.tobytes(),
                    data.received_at.tobytes(),
                    data.frames,
                    data.nbytes,
                    data.closes,
                )
            )
        elif op == "close":
            for ws in sink.conns:
                ws.close()
            sink.conns.clear()
            await asyncio.sleep(0.2)
            pipe.send(("closed",))
        elif op == "gone":
            return
        elif op == "exit":
            pipe.send(("bye",))
            return


def worker_main(pipe: mpc.Connection) -> None:
    raise_nofile()
    run(_worker(pipe))


class Workers:
    """Client worker processes, each with its own event loop and connections."""

    def __init__(self, count: int) -> None:
        ctx = mp.get_context("spawn")
        self.pipes: list[mpc.Connection] = []
        self.procs: list[Any] = []
        self._locks: list[asyncio.Lock] = []
        for _ in range(count):
            parent, child = ctx.Pipe()
            proc = ctx.Process(target=worker_main, args=(child,), daemon=True)
            proc.start()
            child.close()
            self.pipes.append(parent)
            self.procs.append(proc)
            self._locks.append(asyncio.Lock())

    @property
    def pids(self) -> list[int]:
        return [int(p.pid) for p in self.procs]

    def __len__(self) -> int:
        return len(self.pipes)

    async def ask(self, i: int, message: tuple[Any, ...]) -> tuple[Any, ...]:
        pipe = self.pipes[i]

        def roundtrip() -> tuple[Any, ...]:
            pipe.send(message)
            reply: tuple[Any, ...] = pipe.recv()
            return reply

        async with self._locks[i]:
            return await asyncio.to_thread(roundtrip)

    async def ask_all(self, message: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        return list(await asyncio.gather(*(self.ask(i, message) for i in range(len(self)))))

    async def open(self, specs: Sequence[OpenSpec | None]) -> tuple[int, int, float, str]:
        """One spec per worker (None: that worker opens nothing); all at once."""
        started = time.monotonic()
        replies = await asyncio.gather(
            *(self.ask(i, ("open", s)) for i, s in enumerate(specs) if s is not None)
        )
        ok = sum(r[1] for r in replies)
        failed = sum(r[2] for r in replies)
        error = next((r[4] for r in replies if r[4]), "")
        return ok, failed, time.monotonic() - started, error

    async def received(self) -> int:
        return sum(r[1] for r in await self.ask_all(("count",)))

    async def deflated(self) -> int:
        """Open connections on which permessage-deflate was agreed."""
        return sum(r[1] for r in await self.ask_all(("deflated",)))

    async def closed(self) -> int:
        """Connections that have closed (for any reason) since they were opened."""
        return sum(r[2] for r in await self.ask_all(("count",)))

    async def collect(self) -> Collected:
        total = Collected()
        for reply in await self.ask_all(("collect",)):
            _, lat, at, frames, nbytes, closes = reply
            total.latencies.frombytes(lat)
            total.received_at.frombytes(at)
            total.frames += frames
            total.nbytes += nbytes
            for k, v in closes.items():
                total.closes[k] = total.closes.get(k, 0) + v
        return total

    async def close_connections(self) -> None:
        await self.ask_all(("close",))

    async def stop(self) -> None:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.ask_all(("exit",)), 10)
        for proc in self.procs:
            proc.join(5)
            if proc.is_alive():
                proc.kill()


async def wait_received(workers: Workers, expected: int, within: float, stall: float = 5.0) -> int:
    """Poll the workers until ``expected`` stamped frames arrived, or no progress."""
    end = time.monotonic() + within
    last, last_change = -1, time.monotonic()
    while True:
        got = await workers.received()
        now = time.monotonic()
        if got >= expected or now > end:
            return got
        if got != last:
            last, last_change = got, now
        elif now - last_change > stall:
            return got
        await asyncio.sleep(0.1)


def split(total: int, parts: int) -> list[int]:
    base, extra = divmod(total, parts)
    return [base + (1 if i < extra else 0) for i in range(parts)]


Printer = Callable[[str], None]


def say(text: str = "") -> None:
    print(text, flush=True)
