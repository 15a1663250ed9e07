"""What one node runs, wired once in the app's lifespan and handed to routes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec, TypeVar

from sqlmodel.ext.asyncio.session import AsyncSession

from channels.broker.base import Broker
from org.models import User
from server.authcache import AuthCache
from server.batching import PostBatcher
from server.db import Database
from server.metrics import Metrics
from server.settings import Settings

P = ParamSpec("P")
T = TypeVar("T")

if TYPE_CHECKING:
    from server.hub import Hub
    from server.signals import Signals


@dataclass(slots=True)
class Services:
    settings: Settings
    db: Database
    bus: Broker
    metrics: Metrics
    hub: Hub
    signals: Signals
    auth_cache: AuthCache[Any]
    posts: PostBatcher  # new posts go through it: see server/batching.py

    async def act(
        self,
        action: Callable[Concatenate[AsyncSession, Broker, User, P], Awaitable[T]],
        actor: User,
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> T:
        """Run one domain action (``do_*``) in its own write transaction."""
        async with self.db.writer() as db:
            return await action(db, self.bus, actor, *args, **kwargs)
