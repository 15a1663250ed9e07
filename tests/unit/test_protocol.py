"""The protocol with bytes alone: decoding, validation and frame building never await."""

from __future__ import annotations

import json
from typing import Any

import msgpack
import pytest
from hypothesis import given
from hypothesis import strategies as st

from channels.protocol import frames
from channels.protocol.codec import Encoding, choose_encoding, decode, encode
from channels.protocol.errors import ProtocolError


def test_subprotocol_choice() -> None:
    assert choose_encoding([]) is Encoding.json
    assert choose_encoding(["msgpack"]) is Encoding.msgpack
    assert choose_encoding(["v9", "json"]) is Encoding.json
    assert choose_encoding(["v9"]) is None


@pytest.mark.parametrize("encoding", list(Encoding))
def test_round_trip(encoding: Encoding) -> None:
    frame = {"op": "post", "id": 3, "channel": 5, "body": "こんにちは", "cid": "c-1"}
    wire = encode(encoding, frame)
    assert isinstance(wire, str if encoding is Encoding.json else bytes)
    assert decode(encoding, wire) == frame
    command = frames.parse_command(decode(encoding, wire))
    assert isinstance(command, frames.PostCmd)
    assert (command.channel, command.body, command.cid, command.id) == (5, "こんにちは", "c-1", 3)


def test_json_frames_are_compact_utf8() -> None:
    assert encode(Encoding.json, {"type": "pong", "id": 1, "x": "日本"}) == (
        '{"type":"pong","id":1,"x":"日本"}'
    )


@pytest.mark.parametrize(
    ("frame", "code", "message_part"),
    [
        ({"op": "sub"}, "invalid", "channel"),
        ({"op": "sub", "channel": True}, "invalid", "channel"),
        ({"op": "sub", "channel": 1.5}, "invalid", "channel"),
        ({"op": "post", "channel": 1, "body": "x", "cid": "x" * 65}, "invalid", "cid"),
        ({"op": "post", "channel": 1, "body": "x", "extra": 1}, "invalid", "extra"),
        ({"op": "like", "post": 0}, "invalid", "post"),
        ({"op": "post", "channel": 1, "body": "x", "acknowledge_warning": 1}, "invalid", "ack"),
        ({"op": "like", "post": 1, "acknowledge_warning": True}, "invalid", "acknowledge"),
        ({"op": "post", "channel": 1, "body": "x", "anonymous": "yes"}, "invalid", "anonymous"),
        ({"op": "post", "channel": 1, "body": "x", "poll": {"options": ["a"]}}, "invalid", "poll"),
        (
            {"op": "post", "channel": 1, "body": "x", "poll": {"options": ["a", "b"], "x": 1}},
            "invalid",
            "poll.x",
        ),
        ({"op": "search"}, "invalid", "q"),
        ({"op": "search", "q": "x" * 201}, "invalid", "q"),
        ({"op": "search", "q": "x", "in": "threads"}, "invalid", "in"),
        ({"op": "search", "q": "x", "within": "posts"}, "invalid", "within"),
        ({"op": "search", "q": "x", "offset": -1}, "invalid", "offset"),
        ({"op": "home", "section": "all"}, "invalid", "section"),
        ({"op": "home", "before": 0}, "invalid", "before"),
        ({"op": "read_all", "channel": 1}, "invalid", "channel"),
        ({"op": "PING"}, "unknown_op", "PING"),
        ({"op": ["sub"]}, "unknown_op", "sub"),
        ({}, "unknown_op", "None"),
    ],
)
def test_invalid_commands_name_the_problem(
    frame: dict[str, object], code: str, message_part: str
) -> None:
    with pytest.raises(ProtocolError) as caught:
        frames.parse_command({**frame, "id": 9})
    assert caught.value.code == code
    assert message_part in caught.value.message
    assert caught.value.frame_id == 9


def test_read_notifications_takes_ids_or_all_but_not_both() -> None:
    assert frames.parse_command({"op": "read_notifications", "all": True}).op == (
        "read_notifications"
    )
    bads: list[dict[str, Any]] = [{}, {"ids": [1], "all": True}, {"ids": []}, {"ids": [0]}]
    for bad in [*bads, {"all": False}]:
        with pytest.raises(ProtocolError) as caught:
            frames.parse_command({"op": "read_notifications", **bad})
        assert caught.value.code == "invalid", bad


def test_error_frames_carry_what_the_error_says_beside_its_code() -> None:
    matches = [{"start": 0, "end": 2, "level": "warn"}]
    frame = frames.error(4, "word_warning", "m", {"level": "warn", "matches": matches})
    assert frame == {
        "type": "error",
        "id": 4,
        "code": "word_warning",
        "message": "m",
        "level": "warn",
        "matches": matches,
    }
    assert frames.error(4, "invalid", "m") == {
        "type": "error",
        "id": 4,
        "code": "invalid",
        "message": "m",
    }


def test_every_op_parses() -> None:
    samples: list[dict[str, Any]] = [
        {"op": "sub", "channel": 1, "epoch": "ab", "seq": 0},
        {"op": "unsub", "channel": 1},
        {"op": "sub_me", "epoch": "ab", "seq": 3},
        {"op": "post", "channel": 1, "body": "b", "acknowledge_warning": True},
        {"op": "comment", "post": 1, "body": "b", "acknowledge_warning": False},
        {"op": "edit", "post": 1, "body": "b", "acknowledge_warning": True},
        {"op": "post", "channel": 1, "body": "b", "question": True, "anonymous": True},
        {
            "op": "post",
            "channel": 1,
            "body": "お昼は?",
            "poll": {"options": ["寿司", "そば"], "multiple": True, "anonymous": True},
        },
        {"op": "delete", "post": 1},
        {"op": "like", "post": 1},
        {"op": "unlike", "post": 1},
        {"op": "typing", "channel": 1},
        {"op": "status", "status": "away"},
        {"op": "who", "channel": 1},
        {"op": "ping"},
        {"op": "read", "channel": 1, "seq": 42},
        {"op": "search", "q": "会議", "in": "comments", "order": "best", "offset": 20},
        {"op": "read_notifications", "ids": [3, 9]},
        {"op": "home", "section": "read", "before": 812, "limit": 20},
        {"op": "read_all"},
    ]
    assert {s["op"] for s in samples} == frames.OPS
    for sample in samples:
        assert frames.parse_command(sample).op == sample["op"]


@given(st.binary(max_size=200))
def test_any_bytes_decode_to_a_frame_or_bad_frame(data: bytes) -> None:
    for encoding, payload in ((Encoding.msgpack, data), (Encoding.json, data.decode("latin-1"))):
        try:
            frame = decode(encoding, payload)
        except ProtocolError as exc:
            assert exc.code == "bad_frame"
            continue
        assert isinstance(frame, dict)
        try:
            frames.parse_command(frame)
        except ProtocolError as exc:
            assert exc.code in ("unknown_op", "invalid")


_int64 = st.integers(min_value=-(2**63), max_value=2**63 - 1)  # what msgpack can carry


@given(
    st.dictionaries(
        st.text(max_size=10),
        st.none() | _int64 | st.text(max_size=10) | st.lists(_int64, max_size=3),
        max_size=6,
    )
)
def test_any_object_parses_or_fails_cleanly(frame: dict[str, object]) -> None:
    try:
        frames.parse_command(frame)
    except ProtocolError as exc:
        assert exc.code in ("unknown_op", "invalid")
    wire = json.dumps(frame)
    assert decode(Encoding.json, wire) == frame
    assert decode(Encoding.msgpack, msgpack.packb(frame)) == frame
