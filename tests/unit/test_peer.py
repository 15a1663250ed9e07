"""The per-connection rules of the live protocol, with frames alone: no socket,
no server, no awaits (channels/protocol/peer.py)."""

from __future__ import annotations

import json
from typing import Any

from channels.models import Receipt
from channels.protocol import frames
from channels.protocol.codec import Encoding
from channels.protocol.errors import CLOSE_FLOOD
from channels.protocol.peer import Close, Limits, Peer, Reply, Run
from core.errors import ForbiddenError

LIMITS = Limits(frame_rate=10, frame_burst=5, max_subscriptions=2, max_pipelined_posts=3)


def _peer() -> Peer:
    return Peer(Encoding.json, LIMITS, now=0.0)


def _send(peer: Peer, frame: dict[str, Any], now: float = 0.0) -> list[Any]:
    return peer.receive(json.dumps(frame), now)


def test_a_valid_command_is_run_and_posts_alone_are_pipelined() -> None:
    peer = _peer()
    (post,) = _send(peer, {"op": "post", "id": 1, "channel": 5, "body": "了解です"})
    (like,) = _send(peer, {"op": "like", "id": 2, "post": 9})
    assert isinstance(post, Run) and isinstance(post.command, frames.PostCmd)
    assert post.barrier is False  # read on while it is written
    assert isinstance(like, Run) and like.barrier is True  # waits for the posts before it


def test_ping_is_answered_without_io() -> None:
    assert _send(_peer(), {"op": "ping", "id": 4}) == [Reply({"type": "pong", "id": 4})]


def test_bad_frames_are_answered_with_their_error_and_the_frame_id() -> None:
    peer = _peer()
    assert peer.receive("{not json", 0.0) == [
        Reply(frames.error(None, "bad_frame", "undecodable frame: JSONDecodeError"))
    ]
    (reply,) = _send(peer, {"op": "post", "id": 7, "channel": 5})
    assert isinstance(reply, Reply)
    assert reply.frame["code"] == "invalid" and reply.frame["id"] == 7
    (reply,) = _send(peer, {"op": "fly", "id": 8})
    assert isinstance(reply, Reply) and reply.frame["code"] == "unknown_op"


def test_typing_needs_a_subscription_and_losing_it_counts() -> None:
    peer = _peer()
    (refused,) = _send(peer, {"op": "typing", "channel": 5})
    assert isinstance(refused, Reply) and refused.frame["code"] == "not_subscribed"
    peer.subscribed(5)
    (allowed,) = _send(peer, {"op": "typing", "channel": 5})
    assert isinstance(allowed, Run)
    peer.unsubscribed(5)  # left the channel, or lost access to it
    (again,) = _send(peer, {"op": "typing", "channel": 5})
    assert isinstance(again, Reply) and again.frame["code"] == "not_subscribed"


def test_subscriptions_are_capped_but_a_resubscribe_is_not_a_new_one() -> None:
    peer = _peer()
    peer.subscribed(1)
    peer.subscribed(2)
    (over,) = _send(peer, {"op": "sub", "id": 3, "channel": 3})
    assert isinstance(over, Reply) and over.frame["code"] == "too_many_subscriptions"
    (again,) = _send(peer, {"op": "sub", "id": 4, "channel": 2, "epoch": "e", "seq": 1})
    assert isinstance(again, Run)


def test_a_flood_is_refused_then_closed() -> None:
    peer = _peer()
    answers = [_send(peer, {"op": "ping", "id": i})[0] for i in range(5)]
    assert all(a.frame["type"] == "pong" for a in answers)  # the burst
    (refused,) = _send(peer, {"op": "ping", "id": 99})
    assert isinstance(refused, Reply)
    assert refused.frame == frames.error(99, "rate_limited", "too many frames; retry later")
    for _ in range(LIMITS.frame_burst):
        _send(peer, {"op": "ping"})
    assert _send(peer, {"op": "ping"}) == [
        Close(CLOSE_FLOOD, "too many frames: slow down and reconnect")
    ]


def test_a_flood_that_some_frames_get_through_is_closed_too() -> None:
    """At three times the rate a third of its frames pass, so no refusals are
    in a row for long: still closed, as it keeps sending while refused."""
    peer = _peer()
    answers: list[Any] = []
    for i in range(300):  # 30 frames a second for 10 s, against 10 allowed
        answers = _send(peer, {"op": "ping"}, now=i / 30)
        if isinstance(answers[0], Close):
            break
    assert answers == [Close(CLOSE_FLOOD, "too many frames: slow down and reconnect")]


def test_a_client_that_pauses_when_refused_is_never_closed() -> None:
    peer = _peer()
    now = 0.0
    for _ in range(1000):  # as fast as it may, and a pause after each refusal
        (answer,) = _send(peer, {"op": "ping"}, now=now)
        assert not isinstance(answer, Close)
        now += 0.2 if answer.frame["type"] == "error" else 0.001


def test_refusals_are_forgotten_once_the_client_slowed_down() -> None:
    peer = _peer()
    for _ in range(5 + LIMITS.frame_burst):  # the burst, then as many refused
        _send(peer, {"op": "ping"})
    (calm,) = _send(peer, {"op": "ping", "id": 1}, now=1.0)  # refilled meanwhile
    assert calm.frame == {"type": "pong", "id": 1}
    for _ in range(4):
        _send(peer, {"op": "ping"}, now=1.0)
    (refused,) = _send(peer, {"op": "ping", "id": 2}, now=1.0)
    assert refused.frame["code"] == "rate_limited"  # refused, not closed


def test_the_bucket_refills_with_time() -> None:
    peer = _peer()
    for i in range(5):
        _send(peer, {"op": "ping", "id": i})
    (refused,) = _send(peer, {"op": "ping", "id": 5})
    assert refused.frame["code"] == "rate_limited"
    (later,) = _send(peer, {"op": "ping", "id": 6}, now=1.0)  # 10 frames a second
    assert later.frame == {"type": "pong", "id": 6}


def test_posts_in_flight_fill_the_pipeline_and_each_answer_empties_it() -> None:
    peer = _peer()
    for _ in range(3):
        peer.post_sent()
    assert peer.pipeline_full
    receipt = Receipt(channel_id=5, epoch="e", seq=10)
    assert peer.post_answered(1, receipt) == frames.ack(1, receipt)
    assert not peer.pipeline_full
    refused = peer.post_answered(2, ForbiddenError("join the channel first"))
    assert refused == frames.error(2, "forbidden", "join the channel first")
    assert peer.posts_in_flight == 1
