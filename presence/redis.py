"""Presence in Redis, shared by every node.

Keys (``{prefix}`` defaults to ``kaisha``):

- ``{prefix}:presence:u:{user_id}``: hash conn_id -> "status|expires_at"; the key
  itself expires TTL after its last write, and stale fields are ignored, so a
  node that dies without cleaning up stops counting within TTL.
- ``{prefix}:presence:node:{node_id}``: set of "user_id|conn_id" this node holds,
  so a node clears exactly its own entries on shutdown.
- ``{prefix}:presence:nodes``: the nodes that hold entries, and
  ``{prefix}:presence:alive:{node_id}``, which each node rewrites every
  ``HEARTBEAT`` seconds and which expires after ``NODE_TTL``. A node whose
  ``alive`` key is gone was killed without shutting down: the first node to
  take it out of ``nodes`` clears its entries, so the people it held go
  offline within ``NODE_TTL`` instead of ``TTL``.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping

from core.redis_client import pooled_client
from presence.base import NODE_TTL, TTL, PresenceStore, Status, combine


def _alive(fields: Mapping[bytes, bytes], now: float) -> Status:
    statuses = []
    for value in fields.values():
        status, _, expires = value.decode().partition("|")
        if float(expires) > now:
            statuses.append(status)
    return combine(statuses)


class RedisPresence(PresenceStore):
    def __init__(
        self, url: str, *, node_id: str, prefix: str = "kaisha", node_ttl: float = NODE_TTL
    ) -> None:
        super().__init__(node_id)
        self._redis = pooled_client(url)
        self._prefix = f"{prefix}:presence:"
        self._nodes_key = f"{self._prefix}nodes"
        self._node_ttl_ms = int(node_ttl * 1000)

    def _user_key(self, user_id: int) -> str:
        return f"{self._prefix}u:{user_id}"

    def _entries_key(self, node_id: str) -> str:
        return f"{self._prefix}node:{node_id}"

    def _alive_key(self, node_id: str) -> str:
        return f"{self._prefix}alive:{node_id}"

    @property
    def _node_key(self) -> str:
        return self._entries_key(self.node_id)

    async def set(self, user_id: int, conn_id: str, status: Status | None) -> tuple[Status, Status]:
        now = time.time()
        key = self._user_key(user_id)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.hgetall(key)
            if status is None:
                pipe.hdel(key, conn_id)
                pipe.srem(self._node_key, f"{user_id}|{conn_id}")
            else:
                pipe.hset(key, conn_id, f"{status.value}|{now + TTL}")
                pipe.expire(key, int(TTL) + 1)
                pipe.sadd(self._node_key, f"{user_id}|{conn_id}")
            pipe.hgetall(key)
            results = await pipe.execute()
        return _alive(results[0], now), _alive(results[-1], now)

    async def refresh(self, entries: Mapping[str, tuple[int, Status]]) -> None:
        if not entries:
            return
        expires = time.time() + TTL
        async with self._redis.pipeline(transaction=False) as pipe:
            for conn_id, (user_id, status) in entries.items():
                key = self._user_key(user_id)
                pipe.hset(key, conn_id, f"{status.value}|{expires}")
                pipe.expire(key, int(TTL) + 1)
                # (again: a node that stalled past NODE_TTL was cleared by another)
                pipe.sadd(self._node_key, f"{user_id}|{conn_id}")
            await pipe.execute()

    async def statuses(self, user_ids: Iterable[int]) -> dict[int, Status]:
        ids = list(user_ids)
        if not ids:
            return {}
        now = time.time()
        async with self._redis.pipeline(transaction=False) as pipe:
            for user_id in ids:
                pipe.hgetall(self._user_key(user_id))
            results = await pipe.execute()
        return {u: _alive(fields, now) for u, fields in zip(ids, results, strict=True)}

    async def connection_count(self, user_id: int) -> int:
        now = time.time()
        fields: Mapping[bytes, bytes] = await self._redis.hgetall(self._user_key(user_id))  # type: ignore[assignment]
        return len([v for v in fields.values() if float(v.decode().partition("|")[2]) > now])

    async def clear_node(self) -> list[int]:
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.srem(self._nodes_key, self.node_id)
            pipe.delete(self._alive_key(self.node_id))
            await pipe.execute()
        return await self._clear(self.node_id)

    async def _clear(self, node_id: str) -> list[int]:
        members = await self._redis.smembers(self._entries_key(node_id))
        users: set[int] = set()
        async with self._redis.pipeline(transaction=False) as pipe:
            for member in members:
                text = member.decode() if isinstance(member, bytes) else member
                user, _, conn = text.partition("|")
                users.add(int(user))
                pipe.hdel(self._user_key(int(user)), conn)
            pipe.delete(self._entries_key(node_id))
            await pipe.execute()
        return sorted(users)

    async def heartbeat(self) -> bool:
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.set(self._alive_key(self.node_id), b"1", px=self._node_ttl_ms)
            pipe.sadd(self._nodes_key, self.node_id)
            _, added = await pipe.execute()
        return bool(added)

    async def reap(self) -> list[int]:
        nodes = [
            n.decode() if isinstance(n, bytes) else n
            for n in await self._redis.smembers(self._nodes_key)
        ]
        others = [n for n in nodes if n != self.node_id]
        if not others:
            return []
        async with self._redis.pipeline(transaction=False) as pipe:
            for node in others:
                pipe.exists(self._alive_key(node))
            alive = await pipe.execute()
        users: set[int] = set()
        for node, is_alive in zip(others, alive, strict=True):
            # SREM answers 1 to one caller only: that node clears the dead one.
            if not is_alive and await self._redis.srem(self._nodes_key, node) == 1:
                users.update(await self._clear(node))
        return sorted(users)

    async def close(self) -> None:
        await self._redis.aclose()
