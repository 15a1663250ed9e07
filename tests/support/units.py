"""A small company in an SQLite file with the in-process bus, for tests of
actions and of the hub without any server: real database, real bus."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from bus.memory import MemoryBus
from channels.actions import channels, people
from channels.models import Channel, ChannelCreate
from org.models import Department, DepartmentCreate, Role, User, UserCreate
from server.db import Database
from streams.unit import run

T = TypeVar("T")


@dataclass
class Small:
    db: Database
    bus: MemoryBus
    admin: User
    alice: User
    bob: User
    department: Department
    group: Channel  # a public group of alice's

    async def act(self, action: Callable[..., Awaitable[T]], actor: User, *args: Any) -> T:
        """Run a ``do_*`` action as ``actor``, in a write transaction of its own."""
        async with self.db.writer() as session:
            return await action(session, self.bus, actor, *args)


@contextlib.asynccontextmanager
async def small_company(tmp_path: Path) -> AsyncIterator[Small]:
    db = Database(f"sqlite+aiosqlite:///{tmp_path}/unit.db")
    await db.migrate()
    bus = MemoryBus()
    await bus.start()
    try:
        async with db.writer() as session:
            admin = await run(
                session,
                bus,
                lambda unit: people.create_user(
                    unit,
                    UserCreate(
                        email="admin@example.com",
                        display_name="Admin",
                        password="long enough",
                        role=Role.admin,
                    ),
                ),
            )
        async with db.writer() as session:
            dept = await people.do_create_department(
                session, bus, admin, DepartmentCreate(name="Engineering")
            )
        made = []
        for name in ("alice", "bob"):
            data = UserCreate(
                email=f"{name}@example.com",
                display_name=name.title(),
                password="long enough",
                department_id=dept.id,
            )
            async with db.writer() as session:
                made.append(await people.do_create_user(session, bus, admin, data))
        async with db.writer() as session:
            group = await channels.do_create_channel(
                session, bus, made[0], ChannelCreate(name="Go club")
            )
        yield Small(db, bus, admin, made[0], made[1], dept, group)
    finally:
        await bus.close()
        await db.close()
