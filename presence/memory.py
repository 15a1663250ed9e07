"""In-process presence for the embedded default (one node)."""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping

from presence.base import TTL, PresenceStore, Status, combine


class MemoryPresence(PresenceStore):
    def __init__(self, node_id: str) -> None:
        super().__init__(node_id)
        # user_id -> conn_id -> (status, expires_at)
        self._entries: dict[int, dict[str, tuple[str, float]]] = {}

    def _status(self, user_id: int, now: float) -> Status:
        conns = self._entries.get(user_id, {})
        return combine(s for s, exp in conns.values() if exp > now)

    async def set(self, user_id: int, conn_id: str, status: Status | None) -> tuple[Status, Status]:
        now = time.time()
        before = self._status(user_id, now)
        conns = self._entries.setdefault(user_id, {})
        if status is None:
            conns.pop(conn_id, None)
            if not conns:
                del self._entries[user_id]
        else:
            conns[conn_id] = (status.value, now + TTL)
        return before, self._status(user_id, now)

    async def refresh(self, entries: Mapping[str, tuple[int, Status]]) -> None:
        expires = time.time() + TTL
        for conn_id, (user_id, status) in entries.items():
            self._entries.setdefault(user_id, {})[conn_id] = (status.value, expires)

    async def statuses(self, user_ids: Iterable[int]) -> dict[int, Status]:
        now = time.time()
        return {u: self._status(u, now) for u in user_ids}

    async def connection_count(self, user_id: int) -> int:
        now = time.time()
        return sum(1 for _, exp in self._entries.get(user_id, {}).values() if exp > now)

    async def clear_node(self) -> list[int]:
        users = list(self._entries)
        self._entries.clear()
        return users
