"""What one node runs, wired once in the app's lifespan and handed to routes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec, TypeVar

from sqlmodel.ext.asyncio.session import AsyncSession

from bus.base import Bus
from org.models import User
from server.authcache import AuthCache
from server.batching import PostBatcher
from server.db import Database
from server.limits import PersonLimits
from server.mail import Mailer
from server.metrics import Metrics
from server.settings import Settings
from streams.unit import Unit, run

P = ParamSpec("P")
T = TypeVar("T")

if TYPE_CHECKING:
    from server.analytics_job import AnalyticsJob
    from server.files import FileService
    from server.gathering_reminders import GatheringReminders
    from server.hub import Hub
    from server.mention_mail import MentionMail
    from server.presence_relay import PresenceRelay
    from server.question_alerts import QuestionAlerts
    from server.retention import Retention


@dataclass(slots=True)
class Services:
    settings: Settings
    db: Database
    bus: Bus
    metrics: Metrics
    hub: Hub
    presence: PresenceRelay
    auth_cache: AuthCache[Any]
    posts: PostBatcher  # new posts go through it: see server/batching.py
    mailer: Mailer
    limits: PersonLimits
    files: FileService
    mention_mail: MentionMail  # mail for mentions left unread (off without SMTP)
    question_alerts: QuestionAlerts  # questions left waiting (questions/alerts.py)
    gathering_reminders: GatheringReminders  # event reminders (gatherings/reminders.py)
    analytics: AnalyticsJob  # the analytics rollups and report, and the record of searches
    retention: Retention  # posts past their channel's retention (archive/retention.py)

    async def act(
        self,
        action: Callable[Concatenate[AsyncSession, Bus, User, P], Awaitable[T]],
        actor: User,
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> T:
        """Run one domain action (``do_*``, which makes its own unit of work) in a
        write transaction."""
        async with self.db.writer() as db:
            return await action(db, self.bus, actor, *args, **kwargs)

    async def write(self, apply: Callable[[Unit], Awaitable[T]], actor: User | None = None) -> T:
        """Run ``apply`` in a unit of work (streams/unit.py) of its own."""
        async with self.db.writer() as db:
            return await run(db, self.bus, apply, actor_id=actor.id if actor else None)
