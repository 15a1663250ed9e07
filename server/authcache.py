"""A short-lived cache of who a token or session cookie belongs to.

Every HTTP request and WebSocket upgrade authenticates; without this, each one
pays a database round trip through a fresh session before doing its work. An
entry lives a few seconds. Deactivation clears a person's entries on every node
at once (the hub forwards the bus's "kick"), and signing out clears the entry
of that session, so the cache never lets in someone who was just shut out.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Generic, TypeVar

from bus.base import Bus
from bus.messages import Forget, Kick
from org.auth import digest

TTL = 5.0
MAX_ENTRIES = 50_000

P = TypeVar("P")


@dataclass(slots=True)
class _Entry(Generic[P]):
    principal: P
    user_id: int
    expires: float


class AuthCache(Generic[P]):
    def __init__(self, bus: Bus, ttl: float = TTL) -> None:
        self._ttl = ttl
        self._entries: dict[str, _Entry[P]] = {}
        bus.on(Forget, lambda msg: self.forget_user(msg.user))
        bus.on(Kick, self._on_kick)

    def _on_kick(self, msg: Kick) -> None:
        if msg.credential is None:
            self.forget_user(msg.user)
        else:
            self._entries.pop(msg.credential, None)

    def get(self, secret: str) -> P | None:
        entry = self._entries.get(digest(secret))
        if entry is None or entry.expires < time.monotonic():
            return None
        return entry.principal

    def put(self, secret: str, user_id: int, principal: P) -> None:
        if len(self._entries) >= MAX_ENTRIES:
            self._entries.clear()  # crude, but bounded; entries are cheap to rebuild
        self._entries[digest(secret)] = _Entry(principal, user_id, time.monotonic() + self._ttl)

    def forget(self, secret: str) -> None:
        self._entries.pop(digest(secret), None)

    def forget_user(self, user_id: int) -> None:
        for key in [k for k, e in self._entries.items() if e.user_id == user_id]:
            del self._entries[key]
