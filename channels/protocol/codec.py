"""Wire encodings, chosen by WebSocket subprotocol: ``json`` (text frames) and
``msgpack`` (binary frames). A frame is one map either way."""

from __future__ import annotations

import enum
import json
from typing import Any

import msgpack

from channels.protocol.errors import ProtocolError


class Encoding(enum.StrEnum):
    json = "json"
    msgpack = "msgpack"


SUBPROTOCOLS = (Encoding.json.value, Encoding.msgpack.value)


def choose_encoding(offered: list[str]) -> Encoding | None:
    """The first offered subprotocol we speak; JSON when none is offered; None when
    only unknown ones are (the upgrade is then refused)."""
    if not offered:
        return Encoding.json
    for name in offered:
        if name in SUBPROTOCOLS:
            return Encoding(name)
    return None


def encode(encoding: Encoding, frame: dict[str, Any]) -> str | bytes:
    if encoding is Encoding.json:
        return json.dumps(frame, ensure_ascii=False, separators=(",", ":"))
    packed: bytes = msgpack.packb(frame)
    return packed


def decode(encoding: Encoding, payload: str | bytes) -> dict[str, Any]:
    """Raises ProtocolError("bad_frame") for anything that is not one map in the
    session's encoding."""
    try:
        if encoding is Encoding.json:
            if not isinstance(payload, str):
                raise ProtocolError("bad_frame", "this session speaks json: send text frames")
            value = json.loads(payload)
        else:
            if not isinstance(payload, bytes):
                raise ProtocolError("bad_frame", "this session speaks msgpack: send binary frames")
            value = msgpack.unpackb(payload, raw=False, strict_map_key=True)
    except (ValueError, msgpack.UnpackException, RecursionError) as exc:
        raise ProtocolError("bad_frame", f"undecodable frame: {type(exc).__name__}") from exc
    if not isinstance(value, dict):
        raise ProtocolError("bad_frame", "a frame is one object")
    return value
