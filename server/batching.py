"""New posts from every connection and request on this node, written in batches.

A post costs a transaction; most of that cost is the same for one post as for
fifty (channels/actions/posts.py ``do_create_posts``). One writer task per node
takes every post waiting when it is free and writes them in one transaction.
A lone post is written at once, so a quiet channel waits for nothing; during
a burst, the posts that arrive while one batch commits make up the next (at
most ``Settings.post_batch``: that bounds a transaction's time, and how many
events reach each subscriber back to back).
Batches are written one after another in the order their posts arrived, so
one sender's posts keep their order.
"""

from __future__ import annotations

import asyncio
import collections
import logging

from bus.base import Bus
from channels.actions.posts import NewPost, do_create_posts
from channels.models import Receipt
from core.errors import DomainError
from server.db import Database
from server.metrics import Metrics

log = logging.getLogger(__name__)


class PostBatcher:
    def __init__(self, db: Database, bus: Bus, metrics: Metrics, max_batch: int) -> None:
        self._db = db
        self._bus = bus
        self._metrics = metrics
        self._max_batch = max_batch
        self._waiting: collections.deque[tuple[NewPost, asyncio.Future[Receipt]]] = (
            collections.deque()
        )
        self._writer: asyncio.Task[None] | None = None

    def submit(self, post: NewPost) -> asyncio.Future[Receipt]:
        """Queue a post; the future answers with its ``Receipt`` or raises its
        ``DomainError``."""
        answer: asyncio.Future[Receipt] = asyncio.get_running_loop().create_future()
        self._waiting.append((post, answer))
        if self._writer is None:
            self._writer = asyncio.create_task(self._write_all(), name="post-batcher")
        return answer

    async def write(self, post: NewPost) -> Receipt:
        return await self.submit(post)

    async def _write_all(self) -> None:
        try:
            while self._waiting:
                take = min(len(self._waiting), self._max_batch)
                batch = [self._waiting.popleft() for _ in range(take)]
                await self._write_batch(batch)
        finally:
            self._writer = None

    async def _write_batch(self, batch: list[tuple[NewPost, asyncio.Future[Receipt]]]) -> None:
        self._metrics.post_batches.observe(len(batch))
        try:
            async with self._db.writer() as db:
                results = await do_create_posts(db, self._bus, [post for post, _ in batch])
        except Exception as exc:
            if len(batch) > 1:
                # A transient failure (a lost connection, a deadlock) or one post
                # the database refuses: each post gets its own try and answer.
                log.warning("writing %d posts together failed (%r); one by one", len(batch), exc)
                for one in batch:
                    await self._write_batch([one])
                return
            log.exception("writing a post failed")
            _, answer = batch[0]
            if not answer.done():
                answer.set_exception(exc)
            return
        for (_, answer), result in zip(batch, results, strict=True):
            if answer.done():  # its asker has gone
                continue
            if isinstance(result, DomainError):
                answer.set_exception(result)
            else:
                answer.set_result(result)

    async def close(self) -> None:
        """Finish what is queued (at shutdown, after the last connection closed)."""
        if self._writer is not None:
            await asyncio.shield(self._writer)
