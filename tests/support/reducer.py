"""The one reducer tests run over events, as a client would (docs/protocol.md,
"Event kinds"), and the fresh state it must reach, read over HTTP.

``state + events == fresh state``: a client that loads a channel, follows it
from that position and applies every event sees what a client loading it
afresh sees. Every event kind has a branch here; an unknown kind fails, so a
kind added to the catalogue without a test of its effect is noticed.

People are compared by id: their names and departments are facts about the
person, not about the channel, and no channel event follows a rename of a
department or of a person (a company-wide stream of such facts is still to
come; each new write carries its author as they are now).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from tests.support.clients import Api

# What a reader compares of a post or comment.
POST_FIELDS = ("id", "parent_id", "body", "html", "edited_at", "like_count", "comment_count")


# What a reader compares of an event (gatherings/): its organiser by id.
GATHERING_FIELDS = (
    "id",
    "channel_id",
    "title",
    "description",
    "starts_at",
    "ends_at",
    "place",
    "link",
    "capacity",
    "going",
    "maybe",
    "waitlist",
    "updated_at",
)


def _gathering(g: dict[str, Any]) -> dict[str, Any]:
    return {**{k: g[k] for k in GATHERING_FIELDS}, "organiser": g["organiser"]["id"]}


def _apply_gathering(upcoming: dict[int, dict[str, Any]], g: dict[str, Any]) -> None:
    """An upcoming list follows an event: a cancelled one leaves it."""
    if g["cancelled"]:
        upcoming.pop(g["id"], None)
    else:
        upcoming[g["id"]] = _gathering(g)


async def fresh_gatherings(api: Api, channel_id: int | None) -> dict[int, dict[str, Any]]:
    """Upcoming events of a channel (None: the company-wide ones)."""
    query = f"?channel={channel_id}" if channel_id is not None else ""
    page = await api.call("GET", f"/api/gatherings{query}")
    return {g["id"]: _gathering(g) for g in page["gatherings"] if g["channel_id"] == channel_id}


def _post(p: dict[str, Any]) -> dict[str, Any]:
    # An anonymous question's author is id 0 in both (channels/questions.py).
    return {
        **{k: p[k] for k in POST_FIELDS},
        "author": p["author"]["id"],
        "question": p.get("question"),
        # One's own choices are in one's reads only, never in events.
        "poll": {k: v for k, v in p["poll"].items() if k != "mine"} if p.get("poll") else None,
    }


@dataclass
class ChannelState:
    """One channel as a reader holds it: its name, description, whether it is
    closed or archived, members, posts and the comments of every post."""

    name: str
    description: str
    members: set[int]
    posts: dict[int, dict[str, Any]]  # top-level posts
    comments: dict[int, dict[str, Any]] = field(default_factory=dict)
    is_private: bool = False
    archived: bool = False
    qa: bool = False
    gatherings: dict[int, dict[str, Any]] = field(default_factory=dict)  # upcoming events

    def apply(self, frame: dict[str, Any]) -> None:
        kind, d = frame["kind"], frame["data"]
        if kind in ("post.created", "post.edited"):
            self.posts[d["post"]["id"]] = _post(d["post"])
        elif kind == "post.deleted":
            self.posts.pop(d["post_id"], None)
            for cid in [c for c, v in self.comments.items() if v["parent_id"] == d["post_id"]]:
                del self.comments[cid]
        elif kind == "comment.created":
            self.comments[d["post"]["id"]] = _post(d["post"])
            self._set(d["post"]["parent_id"], "comment_count", d["comment_count"])
        elif kind == "comment.edited":
            self.comments[d["post"]["id"]] = _post(d["post"])
        elif kind == "comment.deleted":
            self.comments.pop(d["post_id"], None)
            self._set(d["parent_id"], "comment_count", d["comment_count"])
        elif kind == "post.hidden":
            # Gone for a reader who did not write it (the reader in these tests).
            self.posts.pop(d["post_id"], None)
            self.comments.pop(d["post_id"], None)
            if d["parent_id"] is None:
                for cid in [c for c, v in self.comments.items() if v["parent_id"] == d["post_id"]]:
                    del self.comments[cid]
            else:
                self._set(d["parent_id"], "comment_count", d["comment_count"])
        elif kind == "post.unhidden":
            post = d["post"]
            if post["parent_id"] is None:
                self.posts[post["id"]] = _post(post)
                # Its comments come back with it: a client reloads its thread.
            else:
                self.comments[post["id"]] = _post(post)
                self._set(post["parent_id"], "comment_count", d["comment_count"])
        elif kind in ("like.added", "like.removed"):
            self._set(d["post_id"], "like_count", d["like_count"])
        elif kind == "member.joined":
            self.members.add(d["user"]["id"])
        elif kind == "member.left":
            self.members.discard(d["user"]["id"])
        elif kind == "channel.updated":
            self.name, self.description = d["name"], d["description"]
            self.is_private, self.archived = d["is_private"], d["archived"]
            self.qa = d["qa"]
        elif kind == "question.updated":
            self._set(d["post_id"], "question", d["question"])
        elif kind in ("poll.voted", "poll.closed"):
            self._set(d["post_id"], "poll", d["poll"])
        elif kind == "gathering.updated":
            _apply_gathering(self.gatherings, d["gathering"])
        else:
            raise AssertionError(f"no reducer for {kind}")

    def _set(self, post_id: int, key: str, value: Any) -> None:
        target = self.posts.get(post_id) or self.comments.get(post_id)
        if target is not None:
            target[key] = value

    def copy(self) -> ChannelState:
        return copy.deepcopy(self)


async def fresh_channel(api: Api, channel_id: int) -> tuple[ChannelState, dict[str, Any]]:
    """The channel as a new reader loads it, and its header (with its position)."""
    page = await api.call("GET", f"/api/channels/{channel_id}/posts")
    while page["before"] is not None:  # small channels in tests: read to the start
        older = await api.call("GET", f"/api/channels/{channel_id}/posts?before={page['before']}")
        page = {**page, "posts": older["posts"] + page["posts"], "before": older["before"]}
    people = await api.call("GET", f"/api/channels/{channel_id}/members")
    posts = {p["id"]: _post(p) for p in page["posts"]}
    comments = {}
    for p in page["posts"]:
        if p["comment_count"]:
            thread = await api.call("GET", f"/api/posts/{p['id']}")
            comments.update({c["id"]: _post(c) for c in thread["comments"]})
    members = {p["id"] for p in people}
    header = page["channel"]
    state = ChannelState(
        header["name"],
        header["description"],
        members,
        posts,
        comments,
        is_private=header["is_private"],
        archived=header["archived"],
        qa=header["qa"],
        gatherings=await fresh_gatherings(api, channel_id),
    )
    return state, header


# What a reader compares of a notification: names are left out (an event
# carries the channel's and the actors' names as they were; a page, as they are).
NOTIFICATION_FIELDS = (
    "id",
    "kind",
    "count",
    "channel_id",
    "post_id",
    "thread_id",
    "excerpt",
    "created_at",
    "updated_at",
    "read",
)


def _notification(n: dict[str, Any]) -> dict[str, Any]:
    return {
        **{k: n[k] for k in NOTIFICATION_FIELDS},
        "actors": [a["id"] for a in n["actors"]],
    }


@dataclass
class PersonState:
    """One's own stream as a client holds it: the channels one is in, with
    where one has read each up to and what of it notifies one, one's
    notifications (newest first) with the unread count, and where one stands
    with the terms of use."""

    joined: dict[int, tuple[int, str]]  # channel -> (read_seq, notify)
    notifications: list[dict[str, Any]]
    unread_count: int
    blocked: set[int]  # whom one blocked
    terms: tuple[int, int]  # the terms of use in force, and the version one accepted
    me: int = 0
    # One's mentors, one's checklist (item -> done), and the newcomers one
    # mentors with each one's checklist (onboarding).
    mentors: list[int] = field(default_factory=list)
    checklist: dict[int, bool] = field(default_factory=dict)
    newcomers: dict[int, dict[int, bool]] = field(default_factory=dict)
    # The surveys one has answered (surveys/).
    answered: set[int] = field(default_factory=set)
    gatherings: dict[int, dict[str, Any]] = field(default_factory=dict)  # company-wide events
    # Must-read announcements one has not confirmed (pinned on home): id -> round.
    must_read: dict[int, int] = field(default_factory=dict)

    def apply(self, frame: dict[str, Any]) -> None:
        kind, d = frame["kind"], frame["data"]
        if kind == "membership.added":
            # A channel joined anew starts at 0 (nothing before joining counts)
            # and at the level the event says (a direct conversation's: "all").
            self.joined.setdefault(d["channel_id"], (0, d["notify"]))
        elif kind == "membership.removed":
            self.joined.pop(d["channel_id"], None)
        elif kind == "read.moved":
            self.joined[d["channel_id"]] = (d["seq"], self.joined[d["channel_id"]][1])
        elif kind == "preference.changed":
            self.joined[d["channel_id"]] = (self.joined[d["channel_id"]][0], d["level"])
        elif kind == "account.updated":
            pass  # one's own card, not one's channels
        elif kind in ("notification.added", "notification.updated"):
            shown = _notification(d["notification"])
            self._drop([shown["id"]])
            self.notifications.insert(0, shown)
            self.unread_count = d["unread_count"]
        elif kind == "notification.read":
            for n in self.notifications:
                if d["all"] or n["id"] in d["ids"]:
                    n["read"] = True
            self.unread_count = d["unread_count"]
        elif kind == "notification.removed":
            self._drop(d["ids"])
            self.unread_count = d["unread_count"]
        elif kind == "mentors.updated":
            newcomer, mentors = d["newcomer"]["id"], [m["id"] for m in d["mentors"]]
            if newcomer == self.me:
                self.mentors = mentors
                self.checklist = _checklist(d["checklist"])
            elif self.me in mentors:
                self.newcomers[newcomer] = _checklist(d["checklist"])
            else:
                self.newcomers.pop(newcomer, None)
        elif kind == "checklist.updated":
            if d["newcomer_id"] == self.me:
                self.checklist = _checklist(d["checklist"])
            else:
                self.newcomers[d["newcomer_id"]] = _checklist(d["checklist"])
        elif kind == "block.added":
            self.blocked.add(d["user_id"])
        elif kind == "block.removed":
            self.blocked.discard(d["user_id"])
        elif kind == "terms.published":
            self.terms = (d["version"], self.terms[1])
        elif kind == "terms.accepted":
            self.terms = (self.terms[0], d["version"])
        elif kind == "survey.answered":
            # null: one answered it oneself; a number: one's own survey's (or,
            # an admin, any survey's) respondents, for its results page.
            if d["respondents"] is None:
                self.answered.add(d["survey_id"])
        elif kind in ("wordlist.changed", "wordcheck.overridden"):
            pass  # records of what one did (the audit log reads them), no state
        elif kind == "gathering.changed":
            _apply_gathering(self.gatherings, d["gathering"])
        elif kind in ("announcement.published", "announcement.updated"):
            a = d["announcement"]
            if a["must_read"] and a["recipient"] and not a["confirmed"]:
                self.must_read[a["id"]] = a["round"]
            else:
                self.must_read.pop(a["id"], None)
        elif kind == "announcement.confirmed":
            self.must_read.pop(d["announcement_id"], None)
        else:
            raise AssertionError(f"no reducer for {kind}")

    def _drop(self, ids: list[int]) -> None:
        self.notifications = [n for n in self.notifications if n["id"] not in ids]


def _newcomer_soon(welcome: dict[str, Any]) -> bool:
    until = welcome["newcomer_until"]
    return until is not None and date.fromisoformat(until) > date.today()


def _checklist(checklist: dict[str, Any]) -> dict[int, bool]:
    return {i["id"]: i["done"] for i in checklist["items"]}


async def fresh_person(api: Api) -> PersonState:
    """The channels one is in (with read position and level) and one's
    notifications, read afresh (every page)."""
    joined = {
        c["id"]: (c["read_seq"], c["notify"])
        for c in await api.call("GET", "/api/channels?joined=1")
    }
    page = await api.call("GET", "/api/notifications")
    shown = list(page["notifications"])
    while page["before"] is not None:
        page = await api.call("GET", f"/api/notifications?before={page['before']}")
        shown += page["notifications"]
    me = await api.call("GET", "/api/me")
    welcome = await api.call("GET", "/api/me/welcome")
    mine = await api.call("GET", "/api/me/newcomers")
    blocked = {b["id"] for b in await api.call("GET", "/api/blocks")}
    terms = (await api.call("GET", "/api/session"))["terms"]
    surveys = (await api.call("GET", "/api/surveys"))["surveys"]
    pinned = (await api.call("GET", "/api/home?limit=1"))["must_read"]
    return PersonState(
        joined,
        [_notification(n) for n in shown],
        page["unread_count"],
        blocked,
        (terms["version"], terms["accepted"]),
        me=me["id"],
        mentors=[m["id"] for m in welcome["mentors"]],
        # One's checklist is followed while one is a newcomer, or about to be.
        checklist=_checklist(welcome["checklist"]) if _newcomer_soon(welcome) else {},
        newcomers={n["person"]["id"]: _checklist(n["checklist"]) for n in mine},
        answered={s["id"] for s in surveys if s["answered"]},
        gatherings=await fresh_gatherings(api, None),
        must_read={a["id"]: a["round"] for a in pinned},
    )
