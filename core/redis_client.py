"""Redis clients as every node makes them: a bounded pool that queues.

redis-py's default pool opens up to 100 connections and then fails at once
("Too many connections"); when hundreds of sockets open or close together
(a node restarts, everyone reconnects), presence updates were dropped that
way. A blocking pool waits for a free connection instead.
"""

from __future__ import annotations

import redis.asyncio as redis

POOL_SIZE = 32  # connections per node and client; more only adds contention
POOL_WAIT = 10.0  # seconds a command waits for a free connection before failing


def pooled_client(url: str, *, size: int = POOL_SIZE) -> redis.Redis:
    pool = redis.BlockingConnectionPool.from_url(
        url,
        max_connections=size,
        timeout=POOL_WAIT,
        socket_connect_timeout=2,
        socket_keepalive=True,
    )
    return redis.Redis.from_pool(pool)  # the client owns the pool and closes it
