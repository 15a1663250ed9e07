"""Files through a real server: a 100 MB upload and download over loopback
against a plain copy, 12 MP photos from upload to 201, and fan-out while
photos are uploaded.

One ``python -m server`` node (SQLite, local storage under a temporary
``FILES_DIR``, ``IMAGE_WORKERS`` as set: 1 by default) serves all three parts.

**Transfer.** A source file of random bytes (page-cached) is sent with
``socket.sendfile`` after hand-written request headers, and downloads are read
with ``recv_into`` and discarded: the client copies nothing in Python, so it
does not distort the figures. The same client talks to

- **the floor**: a minimal HTTP/1.1 responder in its own process (blocking
  sockets, one connection at a time, no framework; it reads the request line
  and ``Content-Length`` and nothing else). An upload goes ``recv_into`` ->
  ``os.write`` in 256 KiB pieces into a new file, then ``fsync``, then 201; a
  download ``read``s the file in 256 KiB pieces and ``sendall``s them. It is
  what moving the bytes between loopback and disk costs in Python at least;
  the server does the same and more (HTTP parsing, the ASGI hops, sniffing the
  type, the size limit, a thread per 1 MiB written, an atomic rename and the
  directory's ``fsync``, the database row). Reading and sending in turn, the
  download floor is no ceiling: the server reads the next piece in a thread
  while the socket drains, and may beat it; ``sendfile`` (the kernel copies
  from the page cache to the socket) is measured beside it;
- **the server**: ``POST /api/files?name=...`` with ``Content-Length`` (as a
  browser sends it), then ``GET /api/files/{id}/content``.

``--runs`` times each, the order alternating (floor first, then server first)
so the machine's moods fall on both alike; each download figure is three
downloads in a row, timed together (one takes tens of milliseconds). Printed:
median MB/s (1 MB = 10^6 bytes), the ratio to the floor (target: ≥ 50 %), the
process's CPU per file, and the growth of its peak RSS during the operation
(``VmHWM``, reset through ``/proc/<pid>/clear_refs`` first; target: ≤ 20 MB
for a 100 MB upload, i.e. it streams). Only a 1 MB upload and download come
before the first measured one, so memory the first big upload kept would show,
in the first run's figure and in the drift of the server's RSS from before the
first to after the last.

**Photos.** A 12-megapixel JPEG (4000 × 3000, ~5.7 MB) uploaded ``--images``
times one after the other: p50 and p99 from the first byte sent to the 201
(the server spools it, makes the display copy and thumbnail in its image
worker, stores both, writes the row); the first upload, which starts the
worker, separately; ``process_image`` in this process on the same file as a
reference.

**Fan-out during uploads.** ``--subscribers`` WebSocket subscribers (in 2
client worker processes) in one channel, posts at 20 a second for
``--seconds``, delivery latency p50/p99 as in bench/fanout.py; alternately
with nothing else going on and while another client (its own process) uploads
12 MP JPEGs back to back, ``--rounds`` times each. For each phase, from
``/proc/<pid>/task/<pid>/schedstat``: the server's event-loop thread's time on
a CPU and time runnable but waiting for one, per second, which tells a loop
busy with uploads from a loop starved of a core. ``--nice N`` adds a phase
with the server's image workers reniced to N (a diagnosis: the server does not
do it).

    .venv/bin/python bench/files_server.py            # ~2 min
    .venv/bin/python bench/files_server.py --quick    # ~20 s: 20 MB, 100 subscribers
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import multiprocessing as mp
import multiprocessing.connection as mpc
import os
import socket
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from _common import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    CLK_TCK,
    HOST,
    PYTHON,
    Http,
    MachineCpu,
    ServerProcess,
    Workers,
    cpu_seconds,
    free_port,
    kaisha_node,
    machine_lines,
    make_org,
    ms,
    percentile,
    photo,
    raise_nofile,
    rss_kib,
    run,
    say,
    table,
)
from fanout import RATE, Kaisha, Publisher, Row, describe, run_phase

from files.images import process_image

MB = 1_000_000
READS = 3  # downloads per download figure
PIECE = 256 * 1024  # the floor's reads and writes, and the client's receive buffer
PEOPLE = 12  # one publisher, ten subscriber identities, one uploader
TARGET_RATIO = 0.5
TARGET_GROWTH = 20 * MB
TARGET_P99 = 0.050  # fan-out's own target (1,000 subscribers); a yardstick here
SCRIPT = str(Path(__file__).resolve())
QUIET = 0.25  # cores busy with other work, below which a fan-out phase counts as quiet


# ---- a raw HTTP/1.1 client (blocking; run in a thread) ---------------------------------------


@dataclass
class Answer:
    status: int
    body: bytes  # empty when discarded
    length: int  # bytes of body received
    seconds: float  # from connecting to the last byte of the answer


def _read_head(sock: socket.socket) -> tuple[bytes, bytes]:
    """The header block (without the blank line) and whatever came after it."""
    data = b""
    while b"\r\n\r\n" not in data:
        more = sock.recv(65536)
        if not more:
            raise ConnectionError(f"closed before the answer's headers ({data[:80]!r})")
        data += more
    head, _, rest = data.partition(b"\r\n\r\n")
    return head, rest


def _content_length(head: bytes) -> int | None:
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return int(value)
    return None


def http_call(
    port: int,
    method: str,
    target: str,
    headers: dict[str, str],
    *,
    source: Path | None = None,
    keep_body: bool = True,
) -> Answer:
    """One request on a fresh connection: ``source`` sent as the body with
    ``sendfile``; the answer's body kept, or only counted."""
    start = time.perf_counter()
    with socket.create_connection((HOST, port)) as sock:
        lines = [f"{method} {target} HTTP/1.1", f"Host: {HOST}:{port}", "Connection: close"]
        lines += [f"{k}: {v}" for k, v in headers.items()]
        if source is not None:
            lines += ["Content-Type: application/octet-stream"]
            lines += [f"Content-Length: {source.stat().st_size}"]
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        if source is not None:
            with source.open("rb") as f:
                sock.sendfile(f)
        head, rest = _read_head(sock)
        status = int(head.split(b" ", 2)[1])
        length = _content_length(head)
        body = bytearray(rest) if keep_body else bytearray()
        got = len(rest)
        buffer = bytearray(PIECE)
        view = memoryview(buffer)
        while length is None or got < length:
            n = sock.recv_into(view)
            if not n:
                break
            got += n
            if keep_body:
                body += view[:n]
    return Answer(status, bytes(body), got, time.perf_counter() - start)


def upload(port: int, token: str, name: str, source: Path) -> Answer:
    answer = http_call(
        port,
        "POST",
        f"/api/files?name={quote(name)}",
        {"Authorization": f"Bearer {token}"},
        source=source,
    )
    if answer.status != 201:
        raise RuntimeError(f"upload of {name}: {answer.status} {answer.body[:300]!r}")
    return answer


def download(port: int, token: str, file_id: str, query: str = "") -> Answer:
    answer = http_call(
        port,
        "GET",
        f"/api/files/{file_id}/content{query}",
        # As a browser asks (random bytes are served as they are: the length checks it).
        {"Authorization": f"Bearer {token}", "Accept-Encoding": "gzip, deflate, br"},
        keep_body=False,
    )
    if answer.status != 200:
        raise RuntimeError(f"download of {file_id}: {answer.status}")
    return answer


def reads(port: int, token: str, file_id: str, query: str = "") -> Answer:
    """``READS`` downloads in a row, as one: a 100 MB download takes tens of
    milliseconds, one scheduling hiccup away from a different figure."""
    answers = [download(port, token, file_id, query) for _ in range(READS)]
    return Answer(200, b"", sum(a.length for a in answers), sum(a.seconds for a in answers))


# ---- the floor: a minimal HTTP/1.1 responder (its own process) -------------------------------


def _write_all(fd: int, data: memoryview) -> None:
    while data:
        data = data[os.write(fd, data) :]


def _floor_answer(conn: socket.socket, status: str, body: bytes) -> None:
    head = f"HTTP/1.1 {status}\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    conn.sendall(head.encode() + body)


def _floor_serve(conn: socket.socket, directory: Path, number: int) -> None:
    try:
        head, rest = _read_head(conn)
    except ConnectionError:
        return  # a readiness probe: connected, said nothing
    method, target = head.split(b" ", 2)[:2]
    if method == b"POST":
        length = _content_length(head) or 0
        fd = os.open(directory / str(number), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        try:
            _write_all(fd, memoryview(rest))
            remaining = length - len(rest)
            buffer = bytearray(PIECE)
            view = memoryview(buffer)
            while remaining > 0:
                n = conn.recv_into(view, min(PIECE, remaining))
                if not n:
                    break
                _write_all(fd, view[:n])
                remaining -= n
            os.fsync(fd)
        finally:
            os.close(fd)
        _floor_answer(conn, "201 Created", json.dumps({"id": str(number)}).encode())
    else:
        # The client asks for /api/files/<id>/content, as it asks the server.
        path = directory / target.decode().split("/")[3]
        with path.open("rb", buffering=0) as f:
            size = os.fstat(f.fileno()).st_size
            conn.sendall(f"HTTP/1.1 200 OK\r\nContent-Length: {size}\r\n\r\n".encode())
            if target.endswith(b"?sendfile"):
                conn.sendfile(f)  # the kernel copies: no pass through this process
            else:
                while piece := f.read(PIECE):
                    conn.sendall(piece)


def floor_server(port: int, directory: Path) -> None:
    with socket.create_server((HOST, port)) as listener:
        number = 0
        while True:
            conn, _ = listener.accept()
            number += 1
            with conn:
                _floor_serve(conn, directory, number)


# ---- what a process took: peak memory, CPU ----------------------------------------------------


def _status_bytes(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    raise KeyError(field)


def reset_peak(pid: int) -> int:
    """Set ``pid``'s VmHWM to its VmRSS (Linux 4.0+; our own child) and return it."""
    Path(f"/proc/{pid}/clear_refs").write_text("5")
    return _status_bytes(pid, "VmRSS")


@dataclass
class Sample:
    seconds: float  # the client's: connecting to the last byte of the answer
    growth: int  # how far the process's peak RSS rose above its RSS before
    cpu: float  # the process's CPU seconds (all its threads)


def observed(pid: int, action: Callable[[], Answer]) -> tuple[Answer, Sample]:
    """``action()``, and what it took of process ``pid``."""
    before = reset_peak(pid)
    cpu = cpu_seconds(pid)
    answer = action()
    cpu = cpu_seconds(pid) - cpu
    return answer, Sample(answer.seconds, _status_bytes(pid, "VmHWM") - before, cpu)


# ---- transfer ---------------------------------------------------------------------------------


def make_source(path: Path, size: int) -> None:
    block = os.urandom(1024 * 1024)
    with path.open("wb") as f:
        for _ in range(size // len(block)):
            f.write(block)
        f.write(block[: size % len(block)])


FLOOR_UP = "floor: upload (recv, write, fsync)"
FLOOR_DOWN = "floor: download (read, sendall)"
FLOOR_SENDFILE = "floor: download (sendfile)"
SERVER_UP = "server: upload (POST /api/files)"
SERVER_DOWN = "server: download (GET …/content)"


async def transfer_figures(
    node: ServerProcess, token: str, size: int, runs: int, work: Path
) -> dict[str, Any]:
    source = work / "source.bin"
    make_source(source, size)
    small = work / "small.bin"
    make_source(small, MB)
    floor_dir = work / "floor"
    floor_dir.mkdir()
    port = free_port()
    argv = [PYTHON, SCRIPT, "--floor-server", str(port), str(floor_dir)]
    floor = ServerProcess("floor", argv, dict(os.environ), port)
    await floor.start(health_path=None)
    say(f"\n== Transfer: {size / MB:.0f} MB of random bytes, {runs} runs, alternating")
    results: dict[str, list[Sample]] = {}

    async def step(name: str, pid: int, action: Callable[[], Answer]) -> Answer:
        answer, sample = await asyncio.to_thread(observed, pid, action)
        results.setdefault(name, []).append(sample)
        return answer

    others = OtherWork()
    try:
        # The first requests of each (connections, the thread pool): 1 MB, not measured.
        for p in (floor.port, node.port):
            first = await asyncio.to_thread(upload, p, token, "warm.bin", small)
            file_id = json.loads(first.body)["id"]
            await asyncio.to_thread(download, p, token, file_id)
        rss_start = rss_kib(node.pid) * 1024

        async def floor_round() -> None:
            up = await step(FLOOR_UP, floor.pid, lambda: upload(floor.port, "-", "a", source))
            file_id = json.loads(up.body)["id"]
            down = await step(FLOOR_DOWN, floor.pid, lambda: reads(floor.port, "-", file_id))
            assert down.length == READS * size, down.length
            down = await step(
                FLOOR_SENDFILE, floor.pid, lambda: reads(floor.port, "-", file_id, "?sendfile")
            )
            assert down.length == READS * size, down.length
            (floor_dir / file_id).unlink()

        async def server_round() -> None:
            up = await step(SERVER_UP, node.pid, lambda: upload(node.port, token, "a", source))
            file_id = json.loads(up.body)["id"]
            down = await step(SERVER_DOWN, node.pid, lambda: reads(node.port, token, file_id))
            assert down.length == READS * size, down.length

        for i in range(runs):
            order = (floor_round, server_round) if i % 2 == 0 else (server_round, floor_round)
            for one in order:
                await one()
            say(f"  run {i + 1}/{runs} done")
        rss_end = rss_kib(node.pid) * 1024
        other_cores = others.cores()
    finally:
        floor.stop()

    def per(name: str) -> int:
        return READS * size if "download" in name else size

    def rate(name: str) -> float:
        return per(name) / MB / statistics.median(x.seconds for x in results[name])

    floors = {"upload": rate(FLOOR_UP), "download": rate(FLOOR_DOWN)}
    rows = []
    for name in (FLOOR_UP, SERVER_UP, FLOOR_DOWN, FLOOR_SENDFILE, SERVER_DOWN):
        values = results[name]
        rates = [per(name) / MB / x.seconds for x in values]
        floor_rate = floors["upload" if "upload" in name else "download"]
        rows.append(
            [
                name,
                f"{rate(name):,.0f}",
                f"{rate(name) / floor_rate:.0%}",
                f"{min(rates):,.0f}–{max(rates):,.0f}",
                f"{statistics.median(x.cpu for x in values) * size / per(name):.3f} s",
                " / ".join(f"{x.growth / MB:.1f}" for x in values) + " MB",
            ]
        )
    say(
        table(
            [
                "operation",
                "MB/s (median)",
                "vs floor",
                "MB/s range",
                "process CPU per file (median)",
                "peak RSS growth, each run",
            ],
            rows,
        )
    )
    drift = rss_end - rss_start
    say(
        "process CPU: the receiving or sending process's (the floor's, the server's), all "
        "threads, from /proc/<pid>/stat."
    )
    say(
        f"server RSS before the first measured upload {rss_start / MB:.1f} MB, "
        f"after the last {rss_end / MB:.1f} MB ({drift / MB:+.1f} MB); other work on the "
        f"machine meanwhile: {other_cores:.2f} cores"
    )
    return {
        "up_ratio": rate(SERVER_UP) / floors["upload"],
        "down_ratio": rate(SERVER_DOWN) / floors["download"],
        "up_growth": max(x.growth for x in results[SERVER_UP]),
        "size": size,
    }


# ---- photos ------------------------------------------------------------------------------------


async def photo_figures(node: ServerProcess, token: str, count: int, work: Path) -> None:
    path = work / "photo.jpg"
    say(f"\n== Photos: a 12 MP JPEG ({path.stat().st_size / MB:.1f} MB), {count} uploads")
    cold = await asyncio.to_thread(upload, node.port, token, "photo.jpg", path)
    made = json.loads(cold.body)
    times: list[float] = []
    others = OtherWork()
    loop0, cpu0 = loop_thread_ns(node.pid)[0], cpu_seconds(node.pid)
    for _ in range(count):
        answer = await asyncio.to_thread(upload, node.port, token, "photo.jpg", path)
        times.append(answer.seconds)
    loop_cpu = (loop_thread_ns(node.pid)[0] - loop0) / 1e9 / count
    all_cpu = (cpu_seconds(node.pid) - cpu0) / count
    other_cores = others.cores()
    inline: list[float] = []
    for _ in range(max(3, count // 4)):
        start = time.perf_counter()
        process_image(path)
        inline.append(time.perf_counter() - start)
    say(
        f"stored as {made.get('type')} {made.get('width')} × {made.get('height')}, "
        f"{made.get('size', 0) / 1000:.0f} kB"
    )
    rows = [
        ["upload to 201, through the server", ms(percentile(times, 50)), ms(percentile(times, 99))],
        ["the first upload (starts the image worker)", ms(cold.seconds), ""],
        [
            f"process_image in this process ({len(inline)}×, reference)",
            ms(percentile(inline, 50)),
            ms(percentile(inline, 99)),
        ],
    ]
    say(table(["12 MP JPEG", "p50", "p99"], rows))
    say(
        f"server CPU per photo: {ms(loop_cpu)} on the event loop's thread, {ms(all_cpu)} in "
        "all its threads (the image worker is another process: not counted); "
        f"other work on the machine meanwhile: {other_cores:.2f} cores"
    )


# ---- fan-out with uploads ---------------------------------------------------------------------


def _uploader_main(port: int, token: str, path: str, pipe: mpc.Connection) -> None:
    """Upload ``path`` back to back until told to stop; report each upload's time."""
    times: list[float] = []
    errors = 0
    source = Path(path)
    stop = False
    while not stop:
        try:
            times.append(upload(port, token, "photo.jpg", source).seconds)
        except (RuntimeError, OSError):
            errors += 1
        if len(times) + errors == 1:
            pipe.send(("going",))
        stop = pipe.poll()
    pipe.recv()
    pipe.send(("done", times, errors))


class Uploader:
    """Another client, in its own process, uploading photos back to back."""

    def __init__(self, port: int, token: str, path: Path) -> None:
        ctx = mp.get_context("spawn")
        self.pipe, child = ctx.Pipe()
        self.proc = ctx.Process(
            target=_uploader_main, args=(port, token, str(path), child), daemon=True
        )
        self.proc.start()
        child.close()

    async def going(self) -> None:
        """Returns once the first upload is done (the worker is warm)."""
        await asyncio.to_thread(self.pipe.recv)

    async def stop(self) -> tuple[list[float], int]:
        def ask() -> tuple[list[float], int]:
            self.pipe.send(("stop",))
            _, times, errors = self.pipe.recv()
            return times, errors

        try:
            return await asyncio.to_thread(ask)
        finally:
            self.proc.join(10)
            if self.proc.is_alive():
                self.proc.kill()


def loop_thread_ns(pid: int) -> tuple[int, int]:
    """(on a CPU, waiting for one) in ns, of ``pid``'s main thread: the event loop."""
    run_ns, wait_ns, _ = Path(f"/proc/{pid}/task/{pid}/schedstat").read_text().split()
    return int(run_ns), int(wait_ns)


def descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                raw = (entry / "stat").read_text()
            except OSError:
                continue  # gone meanwhile
            ppid = int(raw[raw.rindex(")") + 2 :].split()[1])
            children.setdefault(ppid, []).append(int(entry.name))
    found: list[int] = []
    todo = [pid]
    while todo:
        kids = children.get(todo.pop(), [])
        found += kids
        todo += kids
    return found


def tree_cpu() -> float:
    """CPU seconds of this process and everything it started (servers, image
    workers, client workers, the uploader), with their children that have
    ended (an image worker is replaced every 50 images: its time moves to its
    parent's ``cutime``)."""
    total = 0.0
    for pid in (os.getpid(), *descendants(os.getpid())):
        with contextlib.suppress(OSError, ValueError):
            raw = Path(f"/proc/{pid}/stat").read_text()
            fields = raw[raw.rindex(")") + 2 :].split()
            total += sum(int(f) for f in fields[11:15]) / CLK_TCK  # utime stime cutime cstime
    return total


class OtherWork:
    """How many cores were busy with work this benchmark did not start, since
    it was made: the machine's busy time less our process tree's CPU. Kernel
    threads working for us (writeback, loopback softirqs) count as others."""

    def __init__(self) -> None:
        self._machine = MachineCpu()
        self._ours = tree_cpu()
        self._t0 = time.monotonic()

    def cores(self) -> float:
        busy = self._machine.busy()
        ours = tree_cpu() - self._ours
        span = time.monotonic() - self._t0
        return max(0.0, busy * (os.cpu_count() or 1) - ours / span)


def set_nice(pids: list[int], value: int) -> list[int]:
    """Set each process's nice value (back to 0 needs root); answers those set."""
    done = []
    for pid in pids:
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, pid, value)
            done.append(pid)
    return done


class Node(Kaisha):
    """bench/fanout.py's system, on a node this script started."""

    def __init__(self, node: ServerProcess, channel: int, tokens: list[str]) -> None:
        super().__init__("sqlite")
        self.name = "1 node (SQLite)"
        self.nodes = [node]
        self.channel = channel
        self.tokens = tokens

    async def start(self) -> None:
        pass

    async def stop(self) -> None:
        self.tmp.cleanup()


@dataclass
class Phase:
    row: Row
    loop_cpu: float  # the server's loop thread on a CPU, seconds per second
    loop_wait: float  # the same thread runnable but waiting for a CPU, seconds per second
    clients_wait: float  # the subscribers' worker processes waiting for a CPU, the same
    others: float  # cores busy with what this benchmark did not start (other work)
    uploads: list[float]


async def fanout_figures(
    node: ServerProcess,
    channel: int,
    tokens: list[str],
    subscribers: int,
    seconds: float,
    rounds: int,
    work: Path,
    nice: int,
) -> dict[str, float]:
    say(
        f"\n== Fan-out: {subscribers} subscribers, {RATE} posts/s for {seconds:.0f} s; "
        f"alone and during uploads of 12 MP JPEGs, {rounds} round(s)"
    )
    # The publisher and the subscribers use tokens[:-1]; the uploader is the last person.
    system = Node(node, channel, tokens[:-1])
    workers = Workers(2)
    phases: list[Phase] = []
    upload_errors = 0
    try:
        ok, failed, took, error = await workers.open(system.specs(subscribers, 2))
        if failed:
            raise RuntimeError(f"could not open {failed} subscriber connections: {error}")
        say(f"  {ok} subscribers ({took:.1f} s)")
        main: Publisher = await system.publisher()
        warm, _ = await run_phase(system, workers, [main], ok, "warm", 5, RATE)
        if warm.delivered < warm.expected:
            say(describe(warm))
        posts = round(RATE * seconds)

        def clients_wait() -> int:
            return sum(loop_thread_ns(pid)[1] for pid in workers.pids)

        async def phase(name: str) -> Phase:
            others = OtherWork()
            cpu0, wait0 = loop_thread_ns(node.pid)
            clients0 = clients_wait()
            t0 = time.monotonic()
            row, _ = await run_phase(system, workers, [main], ok, name, posts, RATE)
            cpu1, wait1 = loop_thread_ns(node.pid)
            clients1 = clients_wait()
            span = time.monotonic() - t0
            return Phase(
                row,
                (cpu1 - cpu0) / span / 1e9,
                (wait1 - wait0) / span / 1e9,
                (clients1 - clients0) / span / 1e9,
                others.cores(),
                [],
            )

        async def with_uploads(name: str) -> Phase:
            nonlocal upload_errors
            uploader = Uploader(node.port, tokens[-1], work / "photo.jpg")
            try:
                await uploader.going()
                loaded = await phase(name)
            finally:
                times, errors = await uploader.stop()
            loaded.uploads = times
            upload_errors += errors
            say(describe(loaded.row) + f"; {len(times)} uploads meanwhile")
            return loaded

        for _ in range(rounds):
            phases.append(await phase("alone"))
            say(describe(phases[-1].row))
            phases.append(await with_uploads("photos"))
            if nice:
                # The image workers are the server's descendants: its forkserver, and
                # what that forks (workers are replaced every 50 images: they inherit).
                niced = set_nice(descendants(node.pid), nice)
                try:
                    phases.append(await with_uploads(f"photos, nice {nice}"))
                finally:
                    set_nice(niced, 0)
        main.ws.close()
        await workers.close_connections()
    finally:
        await workers.stop()
        await system.stop()
    rows = [
        [
            p.row.phase,
            ms(p.row.p50),
            ms(p.row.p99),
            ms(p.row.worst),
            f"{p.row.delivered}/{p.row.expected}",
            f"{p.loop_cpu * 1000:.0f} / {p.loop_wait * 1000:.0f} ms",
            f"{p.clients_wait * 1000:.0f} ms",
            f"{p.row.busy:.0%}",
            f"{p.others:.2f}",
            f"{len(p.uploads)}, p50 {ms(percentile(p.uploads, 50))}" if p.uploads else "",
        ]
        for p in phases
    ]
    say(
        table(
            [
                "phase",
                "p50",
                "p99",
                "max",
                "delivered",
                "server loop per s: on CPU / waiting",
                "subscribers waiting per s",
                "machine busy",
                "others' cores",
                "uploads meanwhile",
            ],
            rows,
        )
    )
    say(
        "server loop: the server's main thread (/proc/<pid>/task/<pid>/schedstat), time on a "
        "CPU and time runnable but waiting for one, per second of the phase; subscribers "
        "waiting: the same wait, summed over the two subscriber processes; others' cores: "
        "what was busy on the machine beyond this benchmark's processes (in cores)."
    )
    alone = [p for p in phases if p.row.phase == "alone"]
    loaded_ = [p for p in phases if p.row.phase == "photos"]
    p99_alone = statistics.median(p.row.p99 for p in alone)
    p99_loaded = statistics.median(p.row.p99 for p in loaded_)
    uploads = [t for p in loaded_ for t in p.uploads]
    say(
        f"p99 during uploads / alone (medians of the rounds): {ms(p99_loaded)} / "
        f"{ms(p99_alone)} = {p99_loaded / p99_alone:.2f}×; uploads meanwhile: {len(uploads)}, "
        f"p50 {ms(percentile(uploads, 50))}, p99 {ms(percentile(uploads, 99))}"
        + (f", {upload_errors} failed" if upload_errors else "")
    )
    quiet_alone = [p.row.p99 for p in alone if p.others < QUIET]
    quiet_loaded = [p.row.p99 for p in loaded_ if p.others < QUIET]
    if quiet_alone and quiet_loaded:
        say(
            f"phases with less than {QUIET} of a core busy with other work: p99 alone "
            f"{', '.join(ms(x) for x in quiet_alone)}; during uploads "
            f"{', '.join(ms(x) for x in quiet_loaded)}"
        )
    at_nice = [p for p in phases if p.row.phase.startswith("photos, nice")]
    if at_nice:
        p99_niced = statistics.median(p.row.p99 for p in at_nice)
        say(
            f"with the image workers at nice {nice}: p99 {ms(p99_niced)} = "
            f"{p99_niced / p99_alone:.2f}× alone; uploads p50 "
            f"{ms(percentile([t for p in at_nice for t in p.uploads], 50))}"
        )
    return {"alone": p99_alone, "loaded": p99_loaded}


# ---- main ---------------------------------------------------------------------------------------


PARTS = ("transfer", "photos", "fanout")


async def main(args: argparse.Namespace) -> None:
    raise_nofile()
    say("Kaisha files through the server")
    for line in machine_lines():
        say(line)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="kaisha-bench-files-server-") as tmp:
        work = Path(tmp)
        (work / "photo.jpg").write_bytes(photo())
        node = kaisha_node(
            "node",
            f"sqlite+aiosqlite:///{work}/kaisha.db",
            extra_env={"FILES_DIR": str(work / "files"), "IMAGE_WORKERS": str(args.image_workers)},
        )
        await node.start()
        try:
            admin = Http(node.http)
            try:
                await admin.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD)
                limit = max(50, args.size * 2)
                await admin.call(
                    "PUT",
                    "/api/files/rules",
                    {"max_file_mb": limit, "allowed": ["image", "pdf", "office", "text", "other"]},
                )
            finally:
                await admin.close()
            org = await make_org(node.http, PEOPLE)
            say(f"server: pid {node.pid}, IMAGE_WORKERS={args.image_workers}, files in {work}")
            transfer: dict[str, Any] = {}
            fan: dict[str, float] = {}
            if "transfer" in args.parts:
                transfer = await transfer_figures(
                    node, org.tokens[0], args.size * MB, args.runs, work
                )
            if "photos" in args.parts:
                await photo_figures(node, org.tokens[0], args.images, work)
            if "fanout" in args.parts:
                fan = await fanout_figures(
                    node,
                    org.channel_id,
                    org.tokens,
                    args.subscribers,
                    args.seconds,
                    args.rounds,
                    work,
                    args.nice,
                )
        finally:
            node.stop()
    say("\n== Targets")
    if transfer:
        size_mb = transfer["size"] / MB
        for what, key in (("upload", "up_ratio"), ("download", "down_ratio")):
            verdict = "MET" if transfer[key] >= TARGET_RATIO else "NOT MET"
            say(f"{what} of {size_mb:.0f} MB ≥ 50 % of the floor: {transfer[key]:.1%} -> {verdict}")
        verdict = "MET" if transfer["up_growth"] <= TARGET_GROWTH else "NOT MET"
        say(
            f"server peak RSS growth during a {size_mb:.0f} MB upload ≤ 20 MB: "
            f"{transfer['up_growth'] / MB:.1f} MB (max of the runs) -> {verdict}"
        )
        if size_mb < 100:
            say("(a --quick run: the targets are defined for 100 MB)")
    if fan:
        say(
            f"fan-out p99 at {args.subscribers} subscribers × {RATE}/s: alone {ms(fan['alone'])}, "
            f"during photo uploads {ms(fan['loaded'])} "
            f"(fan-out's own target, at 1,000 subscribers: ≤ {ms(TARGET_P99)})"
        )
    say(f"\ntotal {time.monotonic() - started:.0f} s")


def parse() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--quick", action="store_true", help="20 MB, fewer runs, 100 subscribers")
    p.add_argument("--size", type=int, default=100, help="MB per transferred file (default 100)")
    p.add_argument("--runs", type=int, default=7, help="runs per transfer figure")
    p.add_argument("--images", type=int, default=20, help="photo uploads measured")
    p.add_argument("--subscribers", type=int, default=300, help="fan-out subscribers")
    p.add_argument("--seconds", type=float, default=8.0, help="length of each fan-out phase")
    p.add_argument("--rounds", type=int, default=4, help="fan-out rounds (alone + with uploads)")
    p.add_argument("--image-workers", type=int, default=1, help="the server's IMAGE_WORKERS")
    p.add_argument(
        "--nice",
        type=int,
        default=0,
        help="also a phase with the server's image workers at this nice value (a diagnosis)",
    )
    p.add_argument(
        "--parts", nargs="+", choices=PARTS, default=list(PARTS), help="what to measure (all)"
    )
    p.add_argument("--floor-server", nargs=2, metavar=("PORT", "DIR"), help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.quick:
        args.size, args.runs, args.images = 20, 3, 8
        args.subscribers, args.seconds, args.rounds = 100, 4.0, 1
    return args


if __name__ == "__main__":
    arguments = parse()
    if arguments.floor_server:
        floor_server(int(arguments.floor_server[0]), Path(arguments.floor_server[1]))
        sys.exit(0)
    run(main(arguments))
