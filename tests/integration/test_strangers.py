"""Every route of the registry (``server.api.api.endpoints``) and every op of the
live protocol (``channels.protocol.frames.OPS``), tried by people who should
get nothing out of them:

- a stranger (no credentials, or forged ones): 401 on every route that wants a
  signed-in person, and nothing changes;
- a non-member of a private group, or of a direct conversation (alice's and
  bob's): every route and op that names the channel, or one of its posts or
  comments, answers "not found" exactly as for one that does not exist; no
  answer says anything it holds (name, description, bodies), no event reaches
  its members, nothing is stored;
- a member of another department: routes on that department's channel answer
  what the channel itself says the person may do (``can_*`` in
  ``GET /api/channels/{id}``): reads are open, writes are 403 ``forbidden`` and
  change nothing.

The cases are generated, so a new route or op is tried without anyone adding
it here. The tables below say how to fill a path parameter, a query parameter,
a body field or a frame field by its name; a name they do not know fails the
test with a message saying where to add it.

One company per backend serves the whole module: nothing here may change it
(a fresh read before and after each case says it did not), except the one
write a case finds allowed, which it undoes.
"""

from __future__ import annotations

import itertools
import re
import secrets
import typing
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from pydantic import BaseModel, ValidationError

import server.routes  # noqa: F401  (registers the routes on ``api``)
from channels.protocol import frames
from core.schema import MAX_ID
from server.api import Endpoint, api
from tests.support.backends import check_redis, clean_postgres, prepare_postgres, settings_for
from tests.support.clients import Api, Company, Live, Person, department_channel, make_company
from tests.support.samples import screenshot_png
from tests.support.servers import serve

# The tests share the module's company, so they run in the module's event loop.
in_module_loop = pytest.mark.asyncio(loop_scope="module")

SAFE = frozenset({"GET", "HEAD", "OPTIONS"})

# Routes anyone may call without signing in, and why. A route declared with
# ``auth=False`` that is not here fails test_public_routes_are_the_known_ones.
PUBLIC_ROUTES = {
    ("POST", "/api/session"): "signing in",
    ("DELETE", "/api/session"): "signing out forgets whatever cookie comes with it",
    ("GET", "/api/setup"): "the first-run page asks before any account exists",
    ("GET", "/api/invites/{token}"): "an invitation link is opened before its account exists",
    ("POST", "/api/invites/{token}/accept"): "accepting one creates the account",
    ("POST", "/api/password/forgot"): "a forgotten password is asked about signed out",
    ("GET", "/api/resets/{token}"): "a password link is opened signed out",
    ("POST", "/api/resets/{token}"): "using it (a new password, or the first) signs in",
    ("GET", "/api/unsubscribe/{token}"): "a mail's unsubscribe link is opened signed out",
    ("POST", "/api/unsubscribe/{token}"): "and used so (RFC 8058's one-click, from a mail client)",
    ("GET", "/api/terms"): "the terms of use are one click away for everyone, signed in or not",
    ("GET", "/api/calendar/feeds/{token}"): "calendar apps read a feed by its secret token",
}

# What each path parameter names. The test fills it with such a thing of the
# case's own (the private group's channel, its posts...).
PATH_PARAMETERS = {
    "channel_id": "channel",
    "post_id": "post",
    "user_id": "user",
    "department_id": "department",
    "token": "invite",
    "session_id": "session",
    "token_id": "token",
    "invite_id": "invite_id",
    "file_id": "file",
    "item_id": "checklist_item",
    "report_id": "report",
    "sanction_id": "sanction",
    "survey_id": "survey",
    "gathering_id": "gathering",
    "announcement_id": "announcement",
    "comment_id": "announcement_comment",
}
# Kinds that belong to a channel: routes taking one are the channel's routes.
CHANNEL_KINDS = frozenset({"channel", "post", "file", "gathering"})
NO_SUCH_FILE = "NoSuchFileNoSuchFile00"

# Which capability of ``GET /api/channels/{id}`` allows each write on a
# channel's routes; AUTHOR: only the post's author or a moderator.
AUTHOR = "author or moderator"
WRITE_RULES = {
    ("PATCH", "/api/channels/{channel_id:id}"): "can_edit",
    ("POST", "/api/channels/{channel_id:id}/join"): "can_join",
    ("POST", "/api/channels/{channel_id:id}/leave"): "can_leave",
    ("POST", "/api/channels/{channel_id:id}/invite"): "can_invite",
    ("POST", "/api/channels/{channel_id:id}/posts"): "can_post",
    ("PUT", "/api/channels/{channel_id:id}/read"): "is_member",
    ("PUT", "/api/channels/{channel_id:id}/notify"): "is_member",
    ("PATCH", "/api/posts/{post_id:id}"): AUTHOR,
    ("DELETE", "/api/posts/{post_id:id}"): AUTHOR,
    ("POST", "/api/posts/{post_id:id}/comments"): "can_comment",
    ("PUT", "/api/posts/{post_id:id}/like"): "can_react",
    ("DELETE", "/api/posts/{post_id:id}/like"): "can_react",
    # A question's answer: its asker, their mentors or a moderator (the author
    # of a post that is no question is told it is none; anyone else 403).
    ("PUT", "/api/posts/{post_id:id}/answer"): AUTHOR,
    ("DELETE", "/api/posts/{post_id:id}/answer"): AUTHOR,
    # Polls: voting is reacting; closing one early is its author's (or a moderator's).
    ("PUT", "/api/posts/{post_id:id}/vote"): "can_react",
    ("DELETE", "/api/posts/{post_id:id}/vote"): "can_react",
    ("POST", "/api/posts/{post_id:id}/poll/close"): AUTHOR,
    # Events: answered by the channel's members, changed by their organiser.
    ("PUT", "/api/gatherings/{gathering_id:id}/answer"): "can_react",
    ("PATCH", "/api/gatherings/{gathering_id:id}"): AUTHOR,
    ("POST", "/api/gatherings/{gathering_id:id}/cancel"): AUTHOR,
}
# Writes that ask for what already is, where a capability says no: they may
# answer success, changing nothing, as a repeated like does (docs/protocol.md).
NO_OPS = {
    ("POST", "/api/channels/{channel_id:id}/leave"): "leaving a group one is not in",
    ("PUT", "/api/channels/{channel_id:id}/read"): "reading a channel one is not in keeps nothing",
}
# How to take back a write a case found allowed (so the company stays as it was).
UNDO = {
    ("POST", "/api/channels/{channel_id:id}/join"): (
        "POST",
        "/api/channels/{channel_id:id}/leave",
    ),
}

# Answers of WebSocket ops on a private group that are not ``not_found``, and
# why: the same answer as for a channel that does not exist, which every op is
# checked for as well.
WS_ANSWERS: dict[str, tuple[str, str | None]] = {
    # typing needs a subscription first (docs/protocol.md), which a
    # non-member cannot have.
    "typing": ("error", "not_subscribed"),
    # Unsubscribing from what one is not subscribed to is a no-op for any id.
    "unsub": ("unsubbed", None),
    # A search in a channel one may not read finds nothing, as in one that
    # does not exist (and says nothing else of it).
    "search": ("search", None),
}


# ---- the company -------------------------------------------------------------------


@dataclass
class World:
    company: Company
    alice: Person  # Engineering; created the private group and the public one
    bob: Person  # Engineering; invited into the private group
    carol: Person  # Sales; in neither group
    eng: dict[str, Any]  # Engineering's channel
    secret: dict[str, Any]  # the private group (as alice sees it)
    secret_posts: list[int]  # a post and a comment in it
    secret_files: list[str]  # an image on its post
    secret_texts: list[str]  # everything in it (and in dm) a non-member must never read
    dm: dict[str, Any]  # a conversation of alice and bob (as alice sees it)
    dm_posts: list[int]  # a post and a comment in it
    dm_files: list[str]  # an image on its post
    eng_posts: list[int]  # alice's post and bob's comment in Engineering
    eng_files: list[str]  # an image on alice's post
    club: dict[str, Any]  # a public group carol is not in
    club_posts: list[int]
    club_files: list[str]
    # An event in each: the private group's, the conversation's, Engineering's, the club's.
    secret_gatherings: list[int]
    dm_gatherings: list[int]
    eng_gatherings: list[int]
    club_gatherings: list[int]
    invite: str  # an open invitation's token
    invite_id: str  # and its name in the admin's list
    session_id: str  # a browser session of alice's (as her sessions list names it)
    token_id: int  # an API token of alice's
    checklist_item: int  # an item of Engineering's newcomer checklist
    survey: int  # a survey for Engineering only (carol is in Sales)
    announcement: int  # a must-read announcement to Engineering (carol is in Sales)
    announcement_comment: int  # alice's comment on it
    counter: itertools.count[int] = field(default_factory=itertools.count)

    @property
    def server(self) -> Any:
        return self.company.server

    def unique(self, prefix: str) -> str:
        return f"{prefix}-{next(self.counter)}-{secrets.token_hex(3)}"


async def _build(company: Company) -> World:
    alice, bob, carol = (company.people[n] for n in ("alice", "bob", "carol"))
    tag = secrets.token_hex(4)
    name, description = f"Secret Project {tag}", f"hush-hush {tag}"
    secret = await alice.api.call(
        "POST", "/api/channels", {"name": name, "description": description, "is_private": True}
    )
    await alice.api.call("POST", f"/api/channels/{secret['id']}/invite", {"user_ids": [bob.id]})
    post_body, comment_body = f"classified {tag}", f"whispered {tag}"
    file_name = f"blueprint {tag}.png"
    secret_file = await _upload(alice, file_name)
    post = (
        await alice.api.call(
            "POST",
            f"/api/channels/{secret['id']}/posts",
            {"body": post_body, "files": [secret_file]},
        )
    )["post"]
    comment = (
        await bob.api.call("POST", f"/api/posts/{post['id']}/comments", {"body": comment_body})
    )["post"]
    await bob.api.call("PUT", f"/api/posts/{post['id']}/like", {})

    eng = await department_channel(alice.api, company.departments["Engineering"])
    eng_file = await _upload(alice, "eng.png")
    eng_post = (
        await alice.api.call(
            "POST", f"/api/channels/{eng['id']}/posts", {"body": "e", "files": [eng_file]}
        )
    )["post"]
    eng_comment = (
        await bob.api.call("POST", f"/api/posts/{eng_post['id']}/comments", {"body": "c"})
    )["post"]
    await bob.api.call("PUT", f"/api/posts/{eng_post['id']}/like", {})

    club = await alice.api.call("POST", "/api/channels", {"name": "Board games"})
    club_file = await _upload(alice, "club.png")
    club_post = (
        await alice.api.call(
            "POST", f"/api/channels/{club['id']}/posts", {"body": "Friday?", "files": [club_file]}
        )
    )["post"]
    dm = await alice.api.call("POST", "/api/direct", {"user_ids": [bob.id]})
    dm_body, dm_comment_body, dm_file_name = f"between us {tag}", f"quietly {tag}", f"dm {tag}.png"
    dm_file = await _upload(alice, dm_file_name)
    dm_post = (
        await alice.api.call(
            "POST", f"/api/channels/{dm['id']}/posts", {"body": dm_body, "files": [dm_file]}
        )
    )["post"]
    dm_comment = (
        await bob.api.call(
            "POST", f"/api/posts/{dm_post['id']}/comments", {"body": dm_comment_body}
        )
    )["post"]
    await bob.api.call("PUT", f"/api/posts/{dm_post['id']}/like", {})
    gathering_title, dm_gathering_title = f"offsite {tag}", f"our dinner {tag}"
    gatherings = [
        (
            await alice.api.call(
                "POST", "/api/gatherings", _gathering_body(channel_id, title, capacity=1)
            )
        )["id"]
        for channel_id, title in (
            (secret["id"], gathering_title),
            (dm["id"], dm_gathering_title),
            (eng["id"], "study session"),
            (club["id"], "game night"),
        )
    ]
    await bob.api.call("PUT", f"/api/gatherings/{gatherings[0]}/answer", {"answer": "going"})
    invite = await company.admin.call("POST", "/api/invites", {})
    notice_title, notice_body = f"reorganisation {tag}", f"only engineers {tag}"
    notice = await company.admin.call(
        "POST",
        "/api/announcements",
        {
            "title": notice_title,
            "body": notice_body,
            "departments": [company.departments["Engineering"]],
            "must_read": True,
        },
    )
    notice_comment = f"engineers talking {tag}"
    said = await alice.api.call(
        "POST", f"/api/announcements/{notice['id']}/comments", {"body": notice_comment}
    )
    item = await company.admin.call(
        "POST",
        "/api/onboarding/checklist",
        {
            "department_id": company.departments["Engineering"],
            "kind": "manual",
            "title": "Read the rules",
        },
    )
    survey = await company.admin.call(
        "POST",
        "/api/surveys",
        {
            "title": name,
            "description": description,
            "anonymous": True,
            "audience": "departments",
            "department_ids": [company.departments["Engineering"]],
            "closes_at": "2100-01-01T00:00:00Z",
            "questions": [{"kind": "text", "text": post_body}],
        },
    )
    return World(
        company=company,
        alice=alice,
        bob=bob,
        carol=carol,
        eng=eng,
        secret=await alice.api.call("GET", f"/api/channels/{secret['id']}"),
        secret_posts=[post["id"], comment["id"]],
        secret_files=[secret_file],
        secret_texts=[
            name,
            description,
            post_body,
            comment_body,
            file_name,
            dm_body,
            dm_comment_body,
            dm_file_name,
            gathering_title,
            dm_gathering_title,
            notice_title,
            notice_body,
            notice_comment,
        ],
        dm=await alice.api.call("GET", f"/api/channels/{dm['id']}"),
        dm_posts=[dm_post["id"], dm_comment["id"]],
        dm_files=[dm_file],
        eng_posts=[eng_post["id"], eng_comment["id"]],
        eng_files=[eng_file],
        club=club,
        club_posts=[club_post["id"]],
        club_files=[club_file],
        secret_gatherings=gatherings[:1],
        dm_gatherings=gatherings[1:2],
        eng_gatherings=gatherings[2:3],
        club_gatherings=gatherings[3:],
        invite=invite["token"],
        invite_id=next(
            i["id"] for i in await company.admin.call("GET", "/api/invites") if i["email"] is None
        ),
        session_id=await _a_session_of(alice),
        token_id=(await alice.api.call("GET", "/api/tokens"))[0]["id"],
        checklist_item=item["id"],
        survey=survey["id"],
        announcement=notice["id"],
        announcement_comment=said["id"],
    )


def _gathering_body(channel_id: int, title: str, **extra: Any) -> dict[str, Any]:
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=7)
    return {
        "channel_id": channel_id,
        "title": title,
        "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=2)).isoformat(),
        **extra,
    }


async def _upload(person: Person, name: str) -> str:
    r = await person.api.raw("POST", "/api/files", content=screenshot_png(), params={"name": name})
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


async def _a_session_of(person: Person) -> str:
    browser = Api(person.api.http.base_url.__str__().rstrip("/"))
    await browser.sign_in(person.email, "password-" + person.email.split("@")[0])
    sessions = await browser.call("GET", "/api/me/sessions")
    await browser.close()
    return str(next(s["id"] for s in sessions if s["current"]))


@pytest_asyncio.fixture(scope="module", loop_scope="module", params=["sqlite", "postgres"])
async def world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[World]:
    backend: str = request.param
    if backend == "postgres":
        await prepare_postgres()
        await clean_postgres()
        await check_redis()
    settings = settings_for(backend, Path(tmp_path_factory.mktemp(backend)))
    async with serve(settings) as running:
        company = await make_company(running)
        yield await _build(company)
        await company.close()


async def _snapshot(world: World) -> Any:
    """What people can read: the admin's directory and departments, every
    channel alice (in both groups) can see with its position (any change to a
    channel's posts, comments, likes or members moves it: each appends an
    event), and the posts and threads of the three channels the cases aim at."""
    admin, alice = world.company.admin, world.alice.api
    users = await admin.call("GET", "/api/users")
    seen: dict[str, Any] = {
        "departments": await admin.call("GET", "/api/departments"),
        "users": [{k: v for k, v in u.items() if k != "status"} for u in users],  # presence moves
        "channels": await alice.call("GET", "/api/channels"),
        "checklist": await admin.call("GET", "/api/onboarding/checklist"),
        "onboarding": await admin.call("GET", "/api/onboarding/settings"),
    }
    seen["conversations"] = await alice.call("GET", "/api/channels", params={"joined": "1"})
    for channel, post in (
        (world.secret, world.secret_posts[0]),
        (world.dm, world.dm_posts[0]),
        (world.eng, world.eng_posts[0]),
        (world.club, world.club_posts[0]),
    ):
        seen[f"posts {channel['id']}"] = await alice.call(
            "GET", f"/api/channels/{channel['id']}/posts"
        )
        seen[f"thread {post}"] = await alice.call("GET", f"/api/posts/{post}")
    return seen


# ---- filling routes from the tables -----------------------------------------------


def _label(endpoint: Endpoint) -> str:
    return f"{endpoint.method} {endpoint.path}"


def _path_kinds(endpoint: Endpoint) -> dict[str, str]:
    """Each path parameter's kind; fails on a parameter PATH_PARAMETERS does not know."""
    kinds = {}
    for name in re.findall(r"{(\w+)(?::\w+)?}", endpoint.path):
        if name not in PATH_PARAMETERS:
            pytest.fail(
                f"{_label(endpoint)}: path parameter {name!r} is not in PATH_PARAMETERS"
                f" ({__name__}); add what it names so strangers are tried on this route"
            )
        kinds[name] = PATH_PARAMETERS[name]
    return kinds


def _takes_a_channel(endpoint: Endpoint) -> bool:
    """At collection: the route names a channel or a post, or has a parameter the
    tables do not know (the test then fails saying so, rather than skip it)."""
    if endpoint.role is not None:
        # Moderators' and admins' routes answer a member 403 before looking
        # anything up (tests/integration/test_audit.py: none answers a member).
        return False
    names = re.findall(r"{(\w+)(?::\w+)?}", endpoint.path)
    return any(PATH_PARAMETERS.get(n, "?") in CHANNEL_KINDS | {"?"} for n in names)


def _paths(endpoint: Endpoint, targets: dict[str, list[Any]]) -> list[str]:
    """The route's path for every combination of the targets of its parameters."""
    kinds = _path_kinds(endpoint)
    names = list(kinds)
    paths = []
    for values in itertools.product(*(targets[kinds[n]] for n in names)):
        path = endpoint.path
        for name, value in zip(names, values, strict=True):
            path = re.sub("{" + name + r"(?::\w+)?}", str(value), path)
        paths.append(path)
    return paths


QUERY_PARAMETERS: dict[str, Callable[[World, dict[str, Any]], str]] = {
    "joined": lambda w, c: "1",
    "q": lambda w, c: w.secret_texts[0],  # a search for the private group's name
    "before": lambda w, c: str(MAX_ID),
    "limit": lambda w, c: "50",
    "epoch": lambda w, c: str(c["epoch"]),
    "seq": lambda w, c: "0",
    "department": lambda w, c: str(w.company.departments["Engineering"]),
    "cid": lambda w, c: w.unique("cid"),
    "kind": lambda w, c: "image",
    "name": lambda w, c: w.unique("upload.png"),
    "download": lambda w, c: "1",
    # GET /api/search's filters, aimed at the case's channel and its people
    "channel": lambda w, c: str(c["id"]),
    "author": lambda w, c: str(w.alice.id),
    "since": lambda w, c: "2000-01-01",
    "until": lambda w, c: "2100-01-01",
    "in": lambda w, c: "posts",
    "order": lambda w, c: "best",
    "offset": lambda w, c: "0",
    # Whether alice and bob (members of the private group) may read it.
    "ids": lambda w, c: f"{w.alice.id},{w.bob.id}",
    "unread": lambda w, c: "1",
    # GET /api/home: the read section (the unread one is the default)
    "section": lambda w, c: "read",
    # GET /api/terms/acceptances: the version in force (none here: 400 for anyone)
    "version": lambda w, c: "1",
    # The moderators' queue and the audit log (members get 403 from both)
    "status": lambda w, c: "decided",
    "person": lambda w, c: str(w.alice.id),
    "action": lambda w, c: "signin.succeeded",
    # GET /api/questions: every state, from the start
    "state": lambda w, c: "resolved",
    # GET /api/surveys: those made from the usage template
    "template": lambda w, c: "network_usage",
    "after": lambda w, c: "1",
    # GET /api/analytics/export (admins only: members get 403)
    "table": lambda w, c: "features",
}


def _queries(endpoint: Endpoint, world: World, channel: dict[str, Any]) -> dict[str, str]:
    known = {}
    for param in endpoint.query:
        if param.name not in QUERY_PARAMETERS:
            pytest.fail(
                f"{_label(endpoint)}: query parameter {param.name!r} is not in QUERY_PARAMETERS"
                f" ({__name__}); add a value that would reach the case's own data"
            )
        known[param.name] = QUERY_PARAMETERS[param.name](world, channel)
    return known


# Body fields by name: what an intruder would send (it must never get in).
BODY_FIELDS: dict[str, Callable[[World, int], Any]] = {
    "body": lambda w, me: w.unique("intruder text"),
    "cid": lambda w, me: w.unique("cid"),
    "name": lambda w, me: w.unique("Taken over"),
    "description": lambda w, me: "defaced",
    "is_private": lambda w, me: False,
    "user_ids": lambda w, me: [me],
    "email": lambda w, me: f"{w.unique('intruder')}@example.com",
    "password": lambda w, me: "intruder-password",
    "display_name": lambda w, me: "Intruder",
    "department_id": lambda w, me: w.company.departments["Engineering"],
    "role": lambda w, me: "admin",
    "is_active": lambda w, me: False,
    "into": lambda w, me: w.company.departments["Sales"],
    "current": lambda w, me: "intruder-password",
    "new": lambda w, me: "intruder password, long",
    "files": lambda w, me: [],
    "seq": lambda w, me: 1,
    "max_file_mb": lambda w, me: 1,
    "allowed": lambda w, me: ["text"],
    "level": lambda w, me: "none",
    # Notifications read: every one's own (nobody can name another's).
    "ids": lambda w, me: None,
    "all": lambda w, me: True,
    # One's own profile: the language of one's mail, mention mail off.
    "language": lambda w, me: "en",
    "mention_email": lambda w, me: False,
    # Newcomers: mentors chosen (oneself, which is refused anyway), checklist
    # items made and ticked, the newcomer settings.
    "mentor_ids": lambda w, me: [me],
    "kind": lambda w, me: "manual",
    "title": lambda w, me: w.unique("intruder item"),
    "count": lambda w, me: 1,
    "done": lambda w, me: True,
    "newcomer_days": lambda w, me: 1,
    "welcome_template": lambda w, me: "defaced",
    # The word check: sent anyway past a warning; an admin's list; a text asked about.
    "acknowledge_warning": lambda w, me: True,
    "entries": lambda w, me: [{"word": "intruder", "level": "block"}],
    "text": lambda w, me: w.secret_texts[2],
    # Terms of use: accepting the first version (none published here).
    "version": lambda w, me: 1,
    # Reports (of the private group's post: "not found" to an outsider) and
    # moderators' decisions (refused to a member before anything is read).
    "post_id": lambda w, me: w.secret_posts[0],
    "reason": lambda w, me: "harassment",
    "note": lambda w, me: "intruder note",
    "action": lambda w, me: "dismiss",
    "clause": lambda w, me: "",
    "outcome": lambda w, me: "lift",
    "retention_days": lambda w, me: 1,
    # A channel's retention (archive/retention.py): keep posts a day.
    "days": lambda w, me: 1,
    # Questions: a Q&A flag, a post asked as a question (anonymously), an answer.
    "qa": lambda w, me: True,
    "question": lambda w, me: False,
    "anonymous": lambda w, me: False,
    "answer_id": lambda w, me: w.secret_posts[1],
    "first_delay_hours": lambda w, me: 1,
    # Surveys: one made (to the company), answered (nothing: refused), or sent
    # from the usage template.
    "questions": lambda w, me: [{"kind": "scale", "text": "intruder question"}],
    "audience": lambda w, me: "company",
    "department_ids": lambda w, me: [],
    "opens_at": lambda w, me: None,
    "closes_at": lambda w, me: "2100-01-01T00:00:00Z",
    "answers": lambda w, me: [],
    "template": lambda w, me: "network_usage",
    "closes_in_days": lambda w, me: 1,
    # Polls: a post made without one; a vote for an option (of no poll of theirs).
    "poll": lambda w, me: None,
    "options": lambda w, me: [1],
    # Events: one in the private group (a non-member may make none there), an
    # answer, the company's time zone (admins).
    "channel_id": lambda w, me: w.secret["id"],
    "starts_at": lambda w, me: _gathering_body(1, "")["starts_at"],
    "ends_at": lambda w, me: _gathering_body(1, "")["ends_at"],
    "place": lambda w, me: "intruder place",
    "link": lambda w, me: "https://intruder.example.com/",
    "capacity": lambda w, me: 1,
    "answer": lambda w, me: "going",
    "timezone": lambda w, me: "UTC",
    # Usage analytics: the survey linked from unused features (admins only).
    "survey_url": lambda w, me: "#/defaced",
    # Announcements: to Engineering, must-read, asked again; an announcer named.
    "departments": lambda w, me: [w.company.departments["Engineering"]],
    "must_read": lambda w, me: True,
    "ask_again": lambda w, me: True,
    "person_id": lambda w, me: me,
}


def _body(endpoint: Endpoint, world: World, me: int) -> dict[str, Any] | None:
    """A valid body for the route (so that a refusal is about who asks, not
    about what): every field BODY_FIELDS knows; fails on an unknown required one."""
    model: type[BaseModel] | None = endpoint.body
    if model is None:
        return None
    body = {}
    for name, info in model.model_fields.items():
        if name in BODY_FIELDS:
            body[name] = BODY_FIELDS[name](world, me)
        elif info.is_required():
            pytest.fail(
                f"{_label(endpoint)}: required body field {model.__name__}.{name} is not in"
                f" BODY_FIELDS ({__name__}); add an example value for it"
            )
    try:
        model.model_validate(body)
    except ValidationError as exc:
        pytest.fail(f"{_label(endpoint)}: BODY_FIELDS make no valid {model.__name__}: {exc}")
    return body


def _leaks(world: World, text: str) -> list[str]:
    return [secret for secret in world.secret_texts if secret in text]


def _cases(predicate: Callable[[Endpoint], bool]) -> list[Any]:
    return [pytest.param(e, id=_label(e)) for e in api.endpoints if predicate(e)]


# ---- the stranger ------------------------------------------------------------------


def test_public_routes_are_the_known_ones() -> None:
    public = {(e.method, e.path) for e in api.endpoints if not e.auth}
    assert public == set(PUBLIC_ROUTES), (
        "routes open to anyone are not the ones PUBLIC_ROUTES lists (with a reason)"
    )


def test_every_path_parameter_is_known() -> None:
    for endpoint in api.endpoints:
        _path_kinds(endpoint)


@pytest.mark.parametrize("endpoint", _cases(lambda e: e.auth))
@in_module_loop
async def test_stranger_gets_401_and_changes_nothing(world: World, endpoint: Endpoint) -> None:
    targets = {
        "channel": [world.secret["id"]],
        "post": [world.secret_posts[0]],
        "user": [world.alice.id],
        "department": [world.company.departments["Engineering"]],
        "invite": [world.invite],
        "invite_id": [world.invite_id],
        "session": [world.session_id],
        "token": [world.token_id],
        "file": world.secret_files,
        "gathering": world.secret_gatherings,
        "checklist_item": [world.checklist_item],
        "report": [1],
        "sanction": [1],
        "survey": [world.survey],
        "announcement": [world.announcement],
        "announcement_comment": [world.announcement_comment],
    }
    before = await _snapshot(world)
    stranger = Api(world.server.http)
    for path in _paths(endpoint, targets):
        for credentials in (
            {},
            {"authorization": "Bearer kt_forged"},
            {"cookie": "kaisha_session=forged", "x-csrf-token": "forged"},
        ):
            r = await stranger.raw(
                endpoint.method,
                path,
                _body(endpoint, world, world.carol.id),
                params=_queries(endpoint, world, world.secret),
                headers=credentials,
            )
            where = (endpoint.method, path, credentials)
            assert r.status_code == 401, (where, r.status_code, r.text[:300])
            assert r.json()["error"]["code"] == "unauthorized", where
            assert _leaks(world, r.text) == [], where
    await stranger.close()
    assert await _snapshot(world) == before


# ---- the non-member of a private group --------------------------------------------


def _hidden(world: World, case: str) -> tuple[dict[str, Any], list[int], list[str]]:
    """The channel, posts and files of a case carol may not see."""
    if case == "a direct conversation":
        return world.dm, world.dm_posts, world.dm_files
    return world.secret, world.secret_posts, world.secret_files


def _hidden_gatherings(world: World, case: str) -> list[int]:
    return world.dm_gatherings if case == "a direct conversation" else world.secret_gatherings


HIDDEN_CASES = ["a private group", "a direct conversation"]


@pytest.mark.parametrize("case", HIDDEN_CASES)
@pytest.mark.parametrize("endpoint", _cases(_takes_a_channel))
@in_module_loop
async def test_non_member_gets_not_found_for_a_private_group(
    world: World, endpoint: Endpoint, case: str
) -> None:
    carol = world.carol
    channel, posts, files = _hidden(world, case)
    targets: dict[str, list[Any]] = {
        "channel": [channel["id"]],
        "post": posts,
        "file": files,
        "gathering": _hidden_gatherings(world, case),
    }
    nowhere: dict[str, list[Any]] = {
        "channel": [MAX_ID],
        "post": [MAX_ID],
        "file": [NO_SUCH_FILE],
        "gathering": [MAX_ID],
    }
    before = await _snapshot(world)
    for path, missing in zip(
        _paths(endpoint, targets), itertools.cycle(_paths(endpoint, nowhere)), strict=False
    ):
        answers = []
        for where in (path, missing):
            r = await carol.api.raw(
                endpoint.method,
                where,
                _body(endpoint, world, carol.id),
                params=_queries(endpoint, world, channel),
            )
            assert r.status_code == 404, (endpoint.method, where, r.status_code, r.text[:300])
            assert _leaks(world, r.text) == [], (endpoint.method, where, r.text[:300])
            answers.append(r.json())
        # "Not found" alike for what is hidden and what does not exist.
        assert answers[0] == answers[1], (endpoint.method, path, answers)
        assert answers[0]["error"]["code"] == "not_found"
    assert await _snapshot(world) == before


@pytest.mark.parametrize("endpoint", _cases(lambda e: e.method in SAFE and not _takes_a_channel(e)))
@in_module_loop
async def test_non_member_reads_nothing_of_a_private_group_anywhere(
    world: World, endpoint: Endpoint
) -> None:
    """Lists, searches, the directory: with each query parameter alone (``q``
    searches for the group's name), nothing of the group shows."""
    carol = world.carol
    targets: dict[str, list[Any]] = {
        "user": [world.alice.id, world.bob.id],
        "department": [world.company.departments["Engineering"]],
        "invite": [world.invite],
        "invite_id": [world.invite_id],
        "session": [world.session_id],
        "token": [world.token_id],
        "checklist_item": [world.checklist_item],
        "report": [1],
        "sanction": [1],
        "survey": [world.survey],
        "announcement": [world.announcement],
        "announcement_comment": [world.announcement_comment],
    }
    queries = _queries(endpoint, world, world.secret)
    # Each parameter alone, with those the route requires (a search's ``q``).
    required = {p.name: queries[p.name] for p in endpoint.query if p.required}
    for path in _paths(endpoint, targets):
        for params in [required, *({**required, k: v} for k, v in queries.items())]:
            r = await carol.api.raw(endpoint.method, path, params=params)
            assert r.status_code < 500, (path, params, r.text[:300])
            assert _leaks(world, r.text) == [], (path, params, r.text[:300])
    # The search does find what carol may see: it is not blind.
    if "q" in queries:
        r = await carol.api.raw(endpoint.method, endpoint.path, params={"q": "a"})
        assert r.status_code == 200 and r.json() != [], (endpoint.path, r.text[:300])


# ---- the member of another department ---------------------------------------------


@pytest.mark.parametrize("endpoint", _cases(_takes_a_channel))
@pytest.mark.parametrize("where", ["another department's channel", "a public group"])
@in_module_loop
async def test_outsider_may_read_and_may_write_only_what_the_channel_says(
    world: World, endpoint: Endpoint, where: str
) -> None:
    carol = world.carol
    if where == "a public group":
        channel, posts, files = world.club, world.club_posts, world.club_files
        gatherings = world.club_gatherings
    else:
        channel, posts, files = world.eng, world.eng_posts, world.eng_files
        gatherings = world.eng_gatherings
    seen = await carol.api.raw("GET", f"/api/channels/{channel['id']}")
    assert seen.status_code == 200, "department channels and public groups are open to read"
    says = seen.json()
    assert not says["is_member"]
    targets: dict[str, list[Any]] = {
        "channel": [channel["id"]],
        "post": posts,
        "file": files,
        "gathering": gatherings,
    }
    before = await _snapshot(world) if endpoint.method not in SAFE else None
    for path in _paths(endpoint, targets):
        params = _queries(endpoint, world, channel)
        body = _body(endpoint, world, carol.id)
        if endpoint.method in SAFE:
            r = await carol.api.raw(endpoint.method, path, params=params)
            assert r.status_code == 200, (path, r.status_code, r.text[:300])
            continue
        rule = WRITE_RULES.get((endpoint.method, endpoint.path))
        if rule is None:
            pytest.fail(
                f"{_label(endpoint)}: a write on a channel that WRITE_RULES ({__name__}) does"
                " not know; add which capability of GET /api/channels/{id} allows it"
            )
        allowed = says[rule] if rule != AUTHOR else False  # carol wrote none of them
        r = await carol.api.raw(endpoint.method, path, body, params=params)
        if not allowed:
            if not (r.is_success and (endpoint.method, endpoint.path) in NO_OPS):
                assert r.status_code == 403, (rule, path, r.status_code, r.text[:300])
                assert r.json()["error"]["code"] == "forbidden"
            assert await _snapshot(world) == before, (endpoint.method, path)
            continue
        assert r.is_success, (rule, path, r.status_code, r.text[:300])
        undo = UNDO.get((endpoint.method, endpoint.path))
        if undo is None:
            pytest.fail(f"{_label(endpoint)} was allowed and UNDO does not say how to take it back")
        method, template = undo
        back = re.sub(r"{channel_id(?::\w+)?}", str(channel["id"]), template)
        assert (await carol.api.raw(method, back)).is_success
        before = await _snapshot(world)  # the write and its undoing moved positions


# ---- the live protocol -------------------------------------------------------------


def _field_names(model: type[BaseModel]) -> list[str]:
    """A command's fields as frames name them (``in`` for ``within``)."""
    return [info.alias or name for name, info in model.model_fields.items()]


def _command_models() -> dict[str, type[BaseModel]]:
    union = typing.get_args(typing.get_args(frames.Command)[0])
    models: dict[str, type[BaseModel]] = {}
    for model in union:
        for op in typing.get_args(model.model_fields["op"].annotation):
            models[op] = model
    return models


COMMANDS = _command_models()
FRAME_FIELDS: dict[str, Callable[[World], Any]] = {
    "body": lambda w: w.unique("intruder text"),
    "cid": lambda w: w.unique("cid"),
    "epoch": lambda w: w.secret["epoch"],
    "seq": lambda w: 0,
    "status": lambda w: "away",
    "files": lambda w: [],
    # post: asked as a question, anonymously (refused alike outside a Q&A channel)
    "question": lambda w: False,
    "anonymous": lambda w: False,
    # search: for what the private group's post says, every filter given
    "q": lambda w: w.secret_texts[2],
    "author": lambda w: w.alice.id,
    "since": lambda w: "2000-01-01",
    "until": lambda w: "2100-01-01",
    "in": lambda w: "posts",
    "order": lambda w: "newest",
    "before": lambda w: MAX_ID,
    "offset": lambda w: 0,
    "limit": lambda w: 50,
    # read_notifications: one's own notifications, whatever their ids.
    "ids": lambda w: None,
    "all": lambda w: True,
    # home: the read section (its own feed, whatever the channel)
    "section": lambda w: "read",
    # post, comment, edit: sent anyway past the word check's warning
    "acknowledge_warning": lambda w: True,
    # post: without a poll (a poll's own rules: tests/integration/test_polls.py)
    "poll": lambda w: None,
}
# Fields that name what the op acts on, filled with the case's targets.
FRAME_TARGETS = {"channel": "channel", "post": "post"}


def _frame_fields(op: str) -> list[str]:
    if op not in COMMANDS:
        pytest.fail(f"op {op!r} is in frames.OPS but no command model parses it")
    fields = [f for f in _field_names(COMMANDS[op]) if f not in ("op", "id")]
    unknown = [f for f in fields if f not in FRAME_FIELDS and f not in FRAME_TARGETS]
    if unknown:
        pytest.fail(
            f"op {op!r}: fields {unknown} are in neither FRAME_FIELDS nor FRAME_TARGETS"
            f" ({__name__}); add how to fill them"
        )
    return fields


def test_every_op_is_known() -> None:
    assert set(COMMANDS) == set(frames.OPS)
    for op in frames.OPS:
        _frame_fields(op)


def _op_targets_something(op: str) -> bool:
    model = COMMANDS.get(op)
    return model is None or bool(set(_field_names(model)) - {"op", "id"} - set(FRAME_FIELDS))


@pytest.mark.parametrize("case", HIDDEN_CASES)
@pytest.mark.parametrize("op", sorted(op for op in frames.OPS if _op_targets_something(op)))
@in_module_loop
async def test_non_member_ops_on_a_private_group_answer_not_found(
    world: World, op: str, case: str
) -> None:
    fields = _frame_fields(op)
    channel, posts, _ = _hidden(world, case)
    group = channel["id"]
    targets = {"channel": [group], "post": posts}
    names = [f for f in fields if f in FRAME_TARGETS]
    expected = WS_ANSWERS.get(op, ("error", "not_found"))

    # The group's members are online and subscribed.
    watcher = await Live.connect(world.server, world.alice.token)
    member = await Live.connect(world.server, world.bob.token)
    for live in (watcher, member):
        subbed = await live.request({"op": "sub", "channel": group})
        assert subbed["type"] == "subbed"
    carol = await Live.connect(world.server, world.carol.token)
    before = await _snapshot(world)
    start = len(watcher.frames)

    for values in itertools.product(*(targets[FRAME_TARGETS[n]] for n in names)):
        frame = {"op": op, **{f: FRAME_FIELDS[f](world) for f in fields if f in FRAME_FIELDS}}
        hidden = {**frame, **dict(zip(names, values, strict=True))}
        missing = {**frame, **dict.fromkeys(names, MAX_ID)}
        answers = []
        for sent in (hidden, missing):
            answer = await carol.request(sent)
            assert _leaks(world, str(answer)) == [], (sent, answer)
            # Less what it echoes: its id, and the channel or post it was sent.
            answers.append(
                {k: v for k, v in answer.items() if k != "id" and not (k in names and v == sent[k])}
            )
        assert answers[0] == answers[1], ("hidden and missing answer differently", answers)
        assert (answers[0]["type"], answers[0].get("code")) == expected, (hidden, answers[0])

    # Nothing reached the members: bob's typing is their next frame.
    await member.send({"op": "typing", "channel": group})
    await watcher.wait(lambda f: f["type"] == "typing" and f["user"] == world.bob.id, start=start)
    arrived = watcher.frames[start:]
    assert [f for f in arrived if f["type"] != "presence"] == [
        next(f for f in arrived if f["type"] == "typing")
    ], arrived
    assert await _snapshot(world) == before
    for live in (watcher, member, carol):
        await live.close()
