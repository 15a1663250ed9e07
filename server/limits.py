"""Limits per person, not only per connection: one person opening hundreds of
sockets, or writing through HTTP as fast as a loop can, must not take a node's
time from everyone else.

- frames: all of a person's sockets on a node share a bucket beside each
  socket's own (channels/protocol/peer.py);
- HTTP writes: a bucket per person and node for every request that changes
  something;
- sockets: at most ``max_sockets`` a person across the nodes (counted from
  presence, which every node shares).

Buckets are per node: with N nodes a person may reach N times the rate, which
still bounds what any one node gives them.
"""

from __future__ import annotations

import time

from channels.protocol.peer import Bucket

MAX_PEOPLE = 100_000  # buckets kept before the idle ones are dropped


class PersonLimits:
    def __init__(self, *, frame_rate: int, frame_burst: int, write_rate: int, write_burst: int):
        self._frame = (frame_rate, frame_burst)
        self._write = (write_rate, write_burst)
        self._frames: dict[int, Bucket] = {}
        self._writes: dict[int, Bucket] = {}

    def frames(self, user_id: int) -> Bucket:
        """The bucket all of this person's sockets on this node draw from."""
        return self._bucket(self._frames, user_id, self._frame)

    def http_write(self, user_id: int) -> bool:
        """Take one HTTP write for this person; False when over their rate."""
        return self._bucket(self._writes, user_id, self._write).take(time.monotonic())

    @staticmethod
    def _bucket(buckets: dict[int, Bucket], user_id: int, shape: tuple[int, int]) -> Bucket:
        bucket = buckets.get(user_id)
        if bucket is None:
            if len(buckets) >= MAX_PEOPLE:
                now = time.monotonic()
                for uid in [u for u, b in buckets.items() if b.full(now)]:
                    del buckets[uid]
            bucket = buckets[user_id] = Bucket(*shape, time.monotonic())
        return bucket
