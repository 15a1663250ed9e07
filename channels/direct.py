"""Conversations (direct messages): what reads of a group conversation's log
share with the socket's fan-out. The rules (who reads, writes, leaves) are the
``direct`` entry of channels/access.py's ``POLICIES``; starting, blocking and
adding people are channels/actions/direct.py.

Someone added to a group conversation reads it from then on
(``Membership.since_post``). Posts before that are left out of every read in
SQL (``access.before_joining``); events about them (an edit, a like, a comment
on an old post) that come after the join are sent to that person as a
stand-in, ``withheld``, at the same position, so their position stays gap-free
and nothing of the old post's text reaches them::

    {"type": "event", "channel": 9, "epoch": "…", "seq": 14, "kind": "withheld",
     "data": {}, "at": "…"}
"""

from __future__ import annotations

import dataclasses
from typing import Any

from streams.log import Positioned

WITHHELD = "withheld"  # not a kind of the log: only a stand-in on the wire


def _root_of(kind: str, data: dict[str, Any]) -> int | None:
    """The top-level post an event of a channel's log is about, if any."""
    if not kind.startswith(("post.", "comment.", "like.", "poll.")):
        return None
    post = data.get("post")
    if isinstance(post, dict):
        return post.get("parent_id") or post.get("id")
    root = data.get("parent_id") or data.get("post_id")
    return root if isinstance(root, int) else None


def is_withheld(since_post: int | None, ev: Positioned) -> bool:
    """Whether ``ev`` is about a post written before its reader was added."""
    if since_post is None:
        return False
    root = _root_of(ev.kind, ev.data)
    return root is not None and root <= since_post


def stand_in(ev: Positioned) -> Positioned:
    """``ev``'s position with nothing of what it says."""
    return dataclasses.replace(ev, kind=WITHHELD, data={}, cid=None)


def as_read_by(since_post: int | None, ev: Positioned) -> Positioned:
    return stand_in(ev) if is_withheld(since_post, ev) else ev
