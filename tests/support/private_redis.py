"""A Redis server of the test's own, on a free loopback port, that the test may
stop and start again (the machine's shared Redis is never restarted: other
suites may be using it)."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import subprocess
from collections.abc import AsyncIterator

import redis.asyncio as redis

from tests.support.servers import free_port
from tests.support.timing import deadline, wait_for


class PrivateRedis:
    def __init__(self) -> None:
        self.port = free_port()
        self.proc: asyncio.subprocess.Process | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    async def start(self) -> None:
        self.proc = await asyncio.create_subprocess_exec(
            "redis-server",
            "--bind",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--save",
            "",
            "--appendonly",
            "no",
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

        async def answers() -> bool:
            client = redis.Redis.from_url(self.url, socket_connect_timeout=0.5)
            try:
                return bool(await client.ping())
            except Exception:
                return False
            finally:
                await client.aclose()

        await wait_for(answers, 10, f"redis on port {self.port}")

    async def stop(self) -> None:
        """As an outage: the server goes away at once, taking every key with it."""
        if self.proc is not None and self.proc.returncode is None:
            self.proc.send_signal(signal.SIGKILL)
            await asyncio.wait_for(self.proc.wait(), deadline(10))


@contextlib.asynccontextmanager
async def private_redis() -> AsyncIterator[PrivateRedis]:
    server = PrivateRedis()
    await server.start()
    try:
        yield server
    finally:
        await server.stop()
