"""Real servers on loopback: uvicorn in this event loop (fast, for most tests)
or in a child process (for killing and restarting nodes)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import socket
import subprocess
import sys
import tempfile
from collections.abc import AsyncIterator, Generator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from server.app import create_app
from server.serving import uvicorn_config
from server.settings import Settings
from tests.support.timing import deadline, wait_for


class _QuietServer(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield  # the test runner owns the signals


@dataclass
class Running:
    host: str
    port: int
    app: Any = None  # the ASGI app, when it runs in this process

    @property
    def http(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def ws(self) -> str:
        return f"ws://{self.host}:{self.port}/ws"


@contextlib.asynccontextmanager
async def serve(settings: Settings, **uvicorn_overrides: Any) -> AsyncIterator[Running]:
    """Run the app under uvicorn on a free port in this loop, configured as a node
    is (``uvicorn_overrides`` change that, e.g. ``ws="wsproto"``)."""
    app = create_app(settings)
    config = uvicorn_config(
        app,
        settings,
        host="127.0.0.1",
        port=0,
        log_level="warning",
        timeout_graceful_shutdown=5,
        **uvicorn_overrides,
    )
    server = _QuietServer(config)
    task = asyncio.create_task(server.serve())
    await wait_for(lambda: server.started or task.done(), 30, "server start")
    if task.done():
        task.result()
        raise RuntimeError("server stopped during start")
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield Running("127.0.0.1", port, app)
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, deadline(20))


class _Collect(logging.Handler):
    def __init__(self, records: list[logging.LogRecord]) -> None:
        super().__init__(logging.ERROR)
        self.records = records

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@contextlib.contextmanager
def server_errors() -> Iterator[list[logging.LogRecord]]:
    """What the servers running in this process log at ERROR meanwhile (uvicorn's
    "Exception in ASGI application", a failed frame): an exception while
    answering is a bug even when the client already had its status line."""
    records: list[logging.LogRecord] = []
    handler = _Collect(records)
    # uvicorn's loggers do not propagate to the root logger; ours do.
    loggers = [logging.getLogger(), logging.getLogger("uvicorn.error")]
    for logger in loggers:
        logger.addHandler(handler)
    try:
        yield records
    finally:
        for logger in loggers:
            logger.removeHandler(handler)


def describe(records: list[logging.LogRecord]) -> str:
    return "\n".join(
        f"{r.name}: {r.getMessage()} {r.exc_info[1]!r}" if r.exc_info else r.getMessage()
        for r in records
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class Node:
    """A server process (``python -m server``), as the Procfile runs it."""

    def __init__(
        self, settings: Settings, port: int | None = None, log_level: str = "WARNING"
    ) -> None:
        self.settings = settings
        self.log_level = log_level
        self.port = port or free_port()
        self.proc: asyncio.subprocess.Process | None = None
        # Its log (JSON lines on stderr), kept for tests that read what it said.
        fd, name = tempfile.mkstemp(prefix=f"node-{self.port}-", suffix=".log")
        os.close(fd)
        self.log = Path(name)

    def errors(self) -> list[str]:
        """What the node logged as an error, or a traceback, so far."""
        text = self.log.read_text(encoding="utf-8", errors="replace")
        return [
            line
            for line in text.splitlines()
            if '"level": "error"' in line or '"level": "critical"' in line or "Traceback" in line
        ]

    @property
    def running(self) -> Running:
        return Running("127.0.0.1", self.port)

    def env(self) -> dict[str, str]:
        s = self.settings
        env = dict(os.environ)
        env.update(
            DATABASE_URL=s.database_url,
            HOST="127.0.0.1",
            PORT=str(self.port),
            BUS_PREFIX=s.bus_prefix,
            LOG_LEVEL=self.log_level,
            HEAL_INTERVAL=str(s.heal_interval),
            PERSON_FRAME_RATE=str(s.person_frame_rate),
            PERSON_FRAME_BURST=str(s.person_frame_burst),
            HTTP_WRITE_RATE=str(s.http_write_rate),
            HTTP_WRITE_BURST=str(s.http_write_burst),
            MAX_SOCKETS_PER_PERSON=str(s.max_sockets_per_person),
            FILES_DIR=str(s.files_dir),
            GATHERING_REMINDER_INTERVAL=str(s.gathering_reminder_interval),
            RETENTION_INTERVAL=str(s.retention_interval),
        )
        for name, value in (
            ("S3_BUCKET", s.s3_bucket),
            ("S3_ENDPOINT", s.s3_endpoint),
            ("S3_ACCESS_KEY", s.s3_access_key),
            ("S3_SECRET_KEY", s.s3_secret_key),
            ("S3_PREFIX", s.s3_prefix),
        ):
            if value:
                env[name] = value
        if s.redis_url:
            env["REDIS_URL"] = s.redis_url
        if s.admin_email and s.admin_password:
            env["ADMIN_EMAIL"] = s.admin_email
            env["ADMIN_PASSWORD"] = s.admin_password
        return env

    async def start(self) -> None:
        with self.log.open("ab") as log:  # the child keeps its own copy open
            self.proc = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "server",
                env=self.env(),
                stdout=subprocess.DEVNULL,
                stderr=log,
            )

        async def healthy() -> bool:
            assert self.proc is not None
            if self.proc.returncode is not None:
                raise RuntimeError(f"node exited with {self.proc.returncode}")
            try:
                async with httpx.AsyncClient() as client:
                    r = await client.get(self.running.http + "/healthz", timeout=1)
                return r.status_code == 200
            except httpx.HTTPError:
                return False

        await wait_for(healthy, 30, f"node on port {self.port}")

    async def kill(self) -> None:
        if self.proc is not None and self.proc.returncode is None:
            self.proc.send_signal(signal.SIGKILL)
            await asyncio.wait_for(self.proc.wait(), deadline(10))

    async def terminate(self) -> int:
        """SIGTERM, then the exit status."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)
        return await asyncio.wait_for(self.proc.wait(), deadline(20))
