"""What one node runs, wired once in the app's lifespan and handed to routes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from channels.broker.base import Broker
from server.db import Database
from server.metrics import Metrics
from server.settings import Settings

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
