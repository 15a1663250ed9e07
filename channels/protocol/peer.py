"""One client's side of the live protocol, sans I/O: what may be done with each
frame it sends, decided without awaiting anything, so the rules are tested
with frames alone (tests/unit/test_peer.py).

The pump (server/ws.py) hands every payload to ``Peer.receive`` with the time,
and carries out what comes back, in order:

- ``Reply(frame)``: send this frame (an error, a pong);
- ``Close(code, reason)``: close the connection (flooding);
- ``Run(command, barrier)``: carry out a valid command. ``barrier`` is false
  only for new posts, which are pipelined: the pump hands them on and reads the
  next frame; any other command first waits until this connection's posts are
  written, so it sees them.

The pump reports back what changes the rules: ``subscribed`` / ``unsubscribed``
(the subscription cap, and typing needs a subscription), ``post_sent`` and
``post_answered`` (how many posts are in flight), and turns results and
failures into frames with ``answer`` and ``failure``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from channels.models import Receipt
from channels.protocol import frames
from channels.protocol.codec import Encoding, decode
from channels.protocol.errors import CLOSE_FLOOD, ProtocolError
from core.errors import DomainError

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Limits:
    frame_rate: int  # frames a second, sustained
    frame_burst: int  # frames at once
    max_subscriptions: int
    max_pipelined_posts: int  # a connection's posts handed on and not yet written


@dataclass(frozen=True, slots=True)
class Reply:
    frame: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Close:
    code: int
    reason: str


@dataclass(frozen=True, slots=True)
class Run:
    command: frames.Command
    barrier: bool = True


Intent = Reply | Close | Run


class Bucket:
    """Token bucket: ``rate`` a second sustained, ``burst`` at once.

    ``refused`` is how far the client is over: each refused frame adds one,
    and ``rate`` a second are forgiven. A client that retries after a pause
    (as docs/protocol.md asks) stays well under ``burst``; one that keeps
    sending while refused, at three times the rate or more, passes it within
    seconds and is closed (``Peer.receive``), however its frames are spread.
    (Counting only refusals in a row let such a flood run forever when some of
    its frames got through, as they do when a busy server reads it slowly.)"""

    def __init__(self, rate: int, burst: int, now: float) -> None:
        self.rate = rate
        self.burst = burst
        self.tokens = float(burst)
        self.stamp = now
        self.refused = 0.0
        self._refused_at = now

    def take(self, now: float) -> bool:
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        forgiven = (now - self._refused_at) * self.rate
        self.refused = max(0.0, self.refused - forgiven) + 1
        self._refused_at = now
        return False

    def full(self, now: float) -> bool:
        """Whether it has refilled entirely (its owner has been quiet)."""
        return self.tokens + (now - self.stamp) * self.rate >= self.burst


class Peer:
    """``person``: a bucket shared by all of this person's connections on the node
    (server/limits.py); a frame needs a token from both."""

    def __init__(
        self, encoding: Encoding, limits: Limits, now: float, person: Bucket | None = None
    ) -> None:
        self.encoding = encoding
        self.limits = limits
        self._bucket = Bucket(limits.frame_rate, limits.frame_burst, now)
        self._person = person
        self.channels: set[int] = set()  # channels subscribed to
        self.posts_in_flight = 0

    # ---- frames in -------------------------------------------------------------------

    def receive(self, payload: str | bytes, now: float) -> list[Intent]:
        if not self._bucket.take(now):
            if self._bucket.refused > self._bucket.burst:
                return [Close(CLOSE_FLOOD, "too many frames: slow down and reconnect")]
            dropped = self._frame_id(payload)
            return [Reply(frames.error(dropped, "rate_limited", "too many frames; retry later"))]
        if self._person is not None and not self._person.take(now):
            dropped = self._frame_id(payload)
            message = "too many frames from all your connections; retry later"
            return [Reply(frames.error(dropped, "rate_limited", message))]
        try:
            command = frames.parse_command(decode(self.encoding, payload))
        except ProtocolError as exc:
            return [Reply(frames.error(exc.frame_id, exc.code, exc.message))]
        return [self._rule(command)]

    def _rule(self, cmd: frames.Command) -> Intent:
        match cmd:
            case frames.Ping():
                return Reply(frames.pong(cmd.id))
            case frames.Sub() if (
                cmd.channel not in self.channels
                and len(self.channels) >= self.limits.max_subscriptions
            ):
                return Reply(
                    frames.error(
                        cmd.id,
                        "too_many_subscriptions",
                        f"at most {self.limits.max_subscriptions} channels",
                    )
                )
            case frames.Typing() if cmd.channel not in self.channels:
                return Reply(
                    frames.error(cmd.id, "not_subscribed", "subscribe to the channel first")
                )
            case frames.PostCmd():
                return Run(cmd, barrier=False)
        return Run(cmd)

    def _frame_id(self, payload: str | bytes) -> int | None:
        """The id of a frame that will not be acted on, so its sender can retry it."""
        try:
            frame_id = decode(self.encoding, payload).get("id")
        except ProtocolError:
            return None
        return frame_id if isinstance(frame_id, int) and not isinstance(frame_id, bool) else None

    # ---- what the pump reports -----------------------------------------------------

    def subscribed(self, channel: int) -> None:
        self.channels.add(channel)

    def unsubscribed(self, channel: int) -> None:
        self.channels.discard(channel)

    @property
    def pipeline_full(self) -> bool:
        return self.posts_in_flight >= self.limits.max_pipelined_posts

    def post_sent(self) -> None:
        self.posts_in_flight += 1

    def post_answered(
        self, frame_id: int | None, result: Receipt | BaseException
    ) -> dict[str, Any]:
        self.posts_in_flight -= 1
        if isinstance(result, BaseException):
            return self.failure(frame_id, result)
        return frames.ack(frame_id, result)

    # ---- answers ---------------------------------------------------------------------

    @staticmethod
    def answer(frame_id: int | None, receipt: Receipt) -> dict[str, Any]:
        return frames.ack(frame_id, receipt)

    @staticmethod
    def failure(frame_id: int | None, exc: BaseException) -> dict[str, Any]:
        """An error frame for a command that failed; a client's bad input is its
        error, only the server's own failures are ``internal`` (and logged)."""
        if isinstance(exc, ProtocolError):
            return frames.error(
                exc.frame_id if exc.frame_id is not None else frame_id, exc.code, exc.message
            )
        if isinstance(exc, DomainError):
            return frames.error(frame_id, exc.code, exc.message, exc.details)
        log.error("frame failed", exc_info=exc)
        return frames.error(frame_id, "internal", "the server failed on this frame")
