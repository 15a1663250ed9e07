"""Who is online, away or offline: ephemeral, never in SQL.

A person's status is derived from their live connections, each of which holds
an entry that expires unless refreshed (``TTL``): online if any connection says
online, away if all say away, offline if none is left. Two stores with one
contract (tests/contract/test_presence.py): in-process for the embedded
default, Redis keys with expiry shared by every node.
"""

from presence.base import TTL, PresenceStore, Status

__all__ = ["TTL", "PresenceStore", "Status", "make_presence"]


def make_presence(redis_url: str | None, *, node_id: str, prefix: str = "kaisha") -> PresenceStore:
    if redis_url:
        from presence.redis import RedisPresence

        return RedisPresence(redis_url, node_id=node_id, prefix=prefix)
    from presence.memory import MemoryPresence

    return MemoryPresence(node_id=node_id)
