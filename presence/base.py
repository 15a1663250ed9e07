"""The presence contract."""

from __future__ import annotations

import enum
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping

TTL = 60.0  # seconds an entry lives without a refresh; nodes refresh every TTL / 3
NODE_TTL = 15.0  # a node silent this long is gone: another node clears its entries
HEARTBEAT = NODE_TTL / 3  # how often a node says it is alive and looks for gone ones


class Status(enum.StrEnum):
    online = "online"
    away = "away"
    offline = "offline"
    # Not a person's state: what is answered while the store cannot be reached
    # (presence is ephemeral; a directory answers without it rather than fail).
    unknown = "unknown"


def combine(statuses: Iterable[str]) -> Status:
    seen = set(statuses)
    if Status.online.value in seen:
        return Status.online
    if Status.away.value in seen:
        return Status.away
    return Status.offline


class PresenceStore(ABC):
    def __init__(self, node_id: str) -> None:
        self.node_id = node_id

    @abstractmethod
    async def set(self, user_id: int, conn_id: str, status: Status | None) -> tuple[Status, Status]:
        """Set (or with None remove) one connection's entry.

        Returns:
            The person's status before and after, so callers push only changes.
        """

    @abstractmethod
    async def refresh(self, entries: Mapping[str, tuple[int, Status]]) -> None:
        """Extend the life of this node's entries (conn_id -> (user_id, status))."""

    @abstractmethod
    async def statuses(self, user_ids: Iterable[int]) -> dict[int, Status]:
        """Current status of each person (offline ones included)."""

    @abstractmethod
    async def connection_count(self, user_id: int) -> int:
        """How many live connections the person holds, on every node."""

    @abstractmethod
    async def clear_node(self) -> list[int]:
        """Remove every entry of this node (on shutdown); returns the people touched."""

    async def heartbeat(self) -> bool:
        """Say this node is alive, for ``NODE_TTL``. True if it was not known to be:
        its first heartbeat, or another node took it for dead (a stall longer than
        ``NODE_TTL``) and cleared its entries. One node alone is never cleared."""
        return False

    async def reap(self) -> list[int]:
        """Clear the entries of nodes that stopped saying they are alive (a node
        killed without shutting down); returns the people touched. One node only
        clears a given dead node, whichever gets there first."""
        return []

    async def close(self) -> None:  # noqa: B027  (stores without connections keep this)
        """Release connections; the memory store has none."""
