"""The database engine, sessions and migrations.

SQLite (embedded default) has one writer: writes in this process take one
asyncio lock before their transaction begins, so a transaction that reads then
writes never meets SQLITE_BUSY. PostgreSQL needs no such lock; per-channel
order comes from the row lock that ``append_event`` takes.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import event, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    async_sessionmaker,
    create_async_engine,
)
from sqlmodel.ext.asyncio.session import AsyncSession

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def make_engine(url: str) -> AsyncEngine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[1] if "///" in url else ""
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine.sync_engine, "connect")
        def _pragmas(dbapi_conn: Any, _record: Any) -> None:
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        return engine
    # No JIT: it pays off for long analytical queries, and ours are short. The
    # planner decides by estimated cost, and its estimates for ranges above a
    # per-row bound (the home feed's read positions) can pass jit_above_cost
    # while the query reads a few hundred rows: 30-90 ms of compiling for a
    # 6 ms query (docs/performance.md, home feed).
    connect_args = {"server_settings": {"jit": "off"}} if "+asyncpg" in url else {}
    return create_async_engine(
        url, pool_size=10, max_overflow=20, pool_pre_ping=True, connect_args=connect_args
    )


class Database:
    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self._sessions = async_sessionmaker(
            self.engine, class_=AsyncSession, expire_on_commit=False
        )
        self._write_lock = asyncio.Lock() if url.startswith("sqlite") else None

    @contextlib.asynccontextmanager
    async def reader(self) -> AsyncIterator[AsyncSession]:
        async with self._sessions() as session:
            yield session

    @contextlib.asynccontextmanager
    async def connection(self) -> AsyncIterator[AsyncConnection]:
        """A bare connection for reads built from Core statements: cheaper than a
        session (no ORM set-up, one rollback at the end), for the hottest reads."""
        async with self.engine.connect() as conn:
            yield conn

    @contextlib.asynccontextmanager
    async def writer(self) -> AsyncIterator[AsyncSession]:
        if self._write_lock is None:
            async with self._sessions() as session:
                yield session
            return
        async with self._write_lock, self._sessions() as session:
            yield session

    async def ping(self) -> None:
        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    async def migrate(self) -> None:
        """Bring the schema to the newest migration. Several nodes starting at once
        on PostgreSQL take turns through an advisory lock."""
        async with self.engine.begin() as conn:
            if not self.url.startswith("sqlite"):
                await conn.execute(text("SELECT pg_advisory_xact_lock(724631)"))
            await conn.run_sync(_upgrade)

    async def close(self) -> None:
        await self.engine.dispose()


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def _upgrade(connection: Connection) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, "head")
