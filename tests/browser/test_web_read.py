"""Read state in the browser (issue 9): unread counts are the server's, so they
follow a person across browsers, devices and tabs, live. One person (Bob) in
two or three browser contexts (his devices), another (Alice) posting; the
"new since your last visit" divider; a hidden tab reads nothing."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from playwright.sync_api import Page, WebSocketRoute, expect

from channels.reading import UNREAD_KINDS
from tests.browser.conftest import (
    Api,
    Kaisha,
    Person,
    SignIn,
    connected,
    following,
    post_locator,
    unique,
    wait_until,
)
from tests.support.timing import deadline

pytestmark = pytest.mark.browser

# "Reading a channel on the phone clears its badge on the desktop within a
# second": the expectations that say so wait a couple of seconds, not ten.
LIVE_MS = deadline(2) * 1000


def badge(page: Page, channel_id: int) -> Any:
    link = page.locator(f"[data-testid=channel-link][data-channel-id='{channel_id}']")
    return link.get_by_test_id("unread-badge")


def group_of(kaisha: Kaisha, owner: dict[str, Any], *members: dict[str, Any]) -> dict[str, Any]:
    """An interest group made by `owner`, joined by `members`."""
    group: dict[str, Any] = kaisha.api_as(owner["email"]).call(
        "POST", "/api/channels", {"name": unique("Club ")}
    )
    for member in members:
        kaisha.api_as(member["email"]).call("POST", f"/api/channels/{group['id']}/join")
    return group


def on_device(sign_in: SignIn, person: dict[str, Any], route: str, *follow: int) -> Person:
    """`person` signed in in a browser context of their own, at `route`,
    following the channels `follow` (so events from now on reach it)."""
    device = sign_in(person["email"])
    device.open(route)
    connected(device.page)
    for channel_id in follow:
        following(device.page, channel_id)
    return device


def hide(page: Page, hidden: bool) -> None:
    """The tab goes behind another one (or comes back): visibilityState and its event."""
    page.evaluate(
        """(hidden) => {
            const state = { configurable: true, get: () => 'hidden' };
            if (hidden) Object.defineProperty(document, 'visibilityState', state);
            else delete document.visibilityState;
            document.dispatchEvent(new Event('visibilitychange'));
        }""",
        hidden,
    )


def kept_keys(page: Page, *names: str) -> list[str]:
    """The keys of these names this browser keeps for anyone."""
    keys: list[str] = page.evaluate(
        "(names) => Object.keys(localStorage).filter((k) => names.includes(k.split(':').pop()))",
        list(names),
    )
    return keys


def unread_of(api: Api, channel_id: int) -> tuple[int, int]:
    """(read_seq, unread) as the server has them for the person of `api`."""
    channel = api.call("GET", f"/api/channels/{channel_id}")
    return channel["read_seq"], channel["unread"]


def reported(page: Page, api: Api, channel_id: int) -> None:
    """Wait until the page has read the channel to the end, as the server has it
    (a visit left before that reported nothing)."""
    wait_until(page, lambda: unread_of(api, channel_id)[1] == 0, "the channel to be read")


def test_badges_follow_the_person_across_devices(kaisha: Kaisha, sign_in: SignIn) -> None:
    dept = kaisha.department(unique("Reading"))
    alice = kaisha.person(unique("Alice"), dept["id"])
    bob = kaisha.person(unique("Bob"), dept["id"])
    club = group_of(kaisha, alice, bob)
    other = group_of(kaisha, alice, bob)
    as_alice = kaisha.api_as(alice["email"])
    home = f"#/c/{dept['channel_id']}"
    desktop = on_device(sign_in, bob, home, club["id"], other["id"])
    phone = on_device(sign_in, bob, home, club["id"], other["id"])

    # Alice posts three times in a channel Bob is in but has not open: both his
    # devices count them, live.
    for n in range(3):
        as_alice.call("POST", f"/api/channels/{club['id']}/posts", {"body": f"Practice {n}"})
    as_alice.call("POST", f"/api/channels/{other['id']}/posts", {"body": "Elsewhere 1"})
    as_alice.call("POST", f"/api/channels/{other['id']}/posts", {"body": "Elsewhere 2"})
    for device in (desktop, phone):
        expect(badge(device.page, club["id"])).to_have_text("3")
        expect(badge(device.page, other["id"])).to_have_text("2")
        expect(device.page).to_have_title(f"(5) {dept['name']} · Kaisha")

    # Bob reads the channel on his desktop: the phone's badge goes within a second.
    desktop.page.locator(f"[data-testid=channel-link][data-channel-id='{club['id']}']").click()
    expect(post_locator(desktop.page, "Practice 2")).to_be_visible()
    expect(badge(desktop.page, club["id"])).to_have_count(0, timeout=LIVE_MS)
    expect(badge(phone.page, club["id"])).to_have_count(0, timeout=LIVE_MS)
    expect(phone.page).to_have_title(f"(2) {dept['name']} · Kaisha", timeout=LIVE_MS)
    assert unread_of(kaisha.api_as(bob["email"]), club["id"])[1] == 0

    # The counts came from the server, not from the browser: after a reload of
    # the phone, and in a browser Bob never used, they are the same.
    phone.page.reload()
    connected(phone.page)
    laptop = on_device(sign_in, bob, home)
    for device in (phone, laptop):
        expect(badge(device.page, other["id"])).to_have_text("2")
        expect(badge(device.page, club["id"])).to_have_count(0)
        assert kept_keys(device.page, "unread", "positions", "me-position") == []


def test_old_unread_counts_saved_in_the_browser_are_ignored(
    kaisha: Kaisha, sign_in: SignIn
) -> None:
    """Earlier versions kept counts in localStorage: they mean nothing now, and go."""
    dept = kaisha.department(unique("Migrate"))
    bob = kaisha.person(unique("Bob"), dept["id"])
    device = on_device(sign_in, bob, f"#/c/{dept['channel_id']}")
    key = f"kaisha:u{bob['id']}:"
    device.page.evaluate(
        """([key, channel]) => {
            localStorage.setItem(key + 'unread', JSON.stringify({ [channel]: 7 }));
            const position = { epoch: 'x', seq: 1 };
            localStorage.setItem(key + 'positions', JSON.stringify({ [channel]: position }));
            localStorage.setItem(key + 'me-position', JSON.stringify({ epoch: 'x', seq: 99 }));
        }""",
        [key, dept["channel_id"]],
    )
    device.page.reload()
    connected(device.page)
    expect(device.page.get_by_test_id("dept-channels")).to_contain_text(dept["name"])
    expect(device.page.get_by_test_id("unread-badge")).to_have_count(0)
    assert kept_keys(device.page, "unread", "positions", "me-position") == []


def test_the_divider_marks_what_is_new_since_the_last_visit(
    kaisha: Kaisha, sign_in: SignIn
) -> None:
    dept = kaisha.department(unique("Divider"))
    alice = kaisha.person(unique("Alice"), dept["id"])
    bob = kaisha.person(unique("Bob"), dept["id"])
    club = group_of(kaisha, alice, bob)
    as_alice = kaisha.api_as(alice["email"])
    as_bob = kaisha.api_as(bob["email"])
    as_alice.call("POST", f"/api/channels/{club['id']}/posts", {"body": "Read long ago"})

    # Bob reads the channel, then goes elsewhere.
    device = on_device(sign_in, bob, f"#/c/{club['id']}")
    expect(post_locator(device.page, "Read long ago")).to_be_visible()
    reported(device.page, as_bob, club["id"])
    device.open(f"#/c/{dept['channel_id']}")
    connected(device.page)
    following(device.page, club["id"])

    # Bob posts from his phone (never unread to him), then Alice twice.
    as_bob.call("POST", f"/api/channels/{club['id']}/posts", {"body": "Bob from the phone"})
    as_alice.call("POST", f"/api/channels/{club['id']}/posts", {"body": "First new"})
    as_alice.call("POST", f"/api/channels/{club['id']}/posts", {"body": "Second new"})
    expect(badge(device.page, club["id"])).to_have_text("2")

    device.page.locator(f"[data-testid=channel-link][data-channel-id='{club['id']}']").click()
    page = device.page
    divider = page.get_by_test_id("unread-divider")
    expect(divider).to_have_text("New")
    after = page.locator("[data-testid=unread-divider] + [data-testid=post]")
    expect(after).to_contain_text("First new")
    before = page.locator("[data-testid=post]:has(+ [data-testid=unread-divider])")
    expect(before).to_contain_text("Bob from the phone")
    expect(badge(page, club["id"])).to_have_count(0, timeout=LIVE_MS)
    # All of it on screen: nothing to jump to.
    expect(page.get_by_test_id("jump-unread")).to_be_hidden()


def test_the_divider_counts_from_joining_and_jumps_to_older_pages(
    kaisha: Kaisha, sign_in: SignIn
) -> None:
    """Someone who never read a channel has read what came before they joined
    (the server's count says where that ends); with more unread than a page,
    the jump button loads older pages until the divider's place."""
    dept = kaisha.department(unique("Joiner"))
    alice = kaisha.person(unique("Alice"), dept["id"])
    bob = kaisha.person(unique("Bob"), dept["id"])
    club = group_of(kaisha, alice)
    as_alice = kaisha.api_as(alice["email"])
    for n in range(3):
        as_alice.call("POST", f"/api/channels/{club['id']}/posts", {"body": f"Before Bob {n}"})
    kaisha.api_as(bob["email"]).call("POST", f"/api/channels/{club['id']}/join")
    for n in range(60):
        as_alice.call("POST", f"/api/channels/{club['id']}/posts", {"body": f"Since Bob {n:02}"})
    assert unread_of(kaisha.api_as(bob["email"]), club["id"]) == (0, 60)

    device = on_device(sign_in, bob, f"#/c/{club['id']}")
    page = device.page
    expect(post_locator(page, "Since Bob 59")).to_be_visible()
    # The first unread post is older than the first page: the button takes there.
    jump = page.get_by_test_id("jump-unread")
    expect(jump).to_be_visible()
    expect(jump).to_have_text("↑ Jump to the first unread post")
    jump.click()
    divider = page.get_by_test_id("unread-divider")
    expect(divider).to_be_in_viewport()
    expect(page.locator("[data-testid=unread-divider] + [data-testid=post]")).to_contain_text(
        "Since Bob 00"
    )
    expect(page.locator("[data-testid=post]:has(+ [data-testid=unread-divider])")).to_contain_text(
        "Before Bob 2"
    )
    expect(jump).to_be_hidden()


def test_a_hidden_tab_reads_nothing(kaisha: Kaisha, sign_in: SignIn) -> None:
    dept = kaisha.department(unique("Hidden"))
    alice = kaisha.person(unique("Alice"), dept["id"])
    bob = kaisha.person(unique("Bob"), dept["id"])
    club = group_of(kaisha, alice, bob)
    as_alice = kaisha.api_as(alice["email"])
    as_bob = kaisha.api_as(bob["email"])
    as_alice.call("POST", f"/api/channels/{club['id']}/posts", {"body": "Seen"})

    # The desktop's clock is Playwright's: time runs, and can be run ahead at once.
    desktop = sign_in(bob["email"])
    desktop.context.clock.install()
    desktop.open(f"#/c/{club['id']}")
    connected(desktop.page)
    following(desktop.page, club["id"])
    page = desktop.page
    expect(post_locator(page, "Seen")).to_be_visible()
    phone = on_device(sign_in, bob, f"#/c/{dept['channel_id']}", club["id"])
    reported(page, as_bob, club["id"])
    expect(badge(phone.page, club["id"])).to_have_count(0)

    # The desktop's tab goes behind another; Alice posts; the channel is open
    # there, at the bottom, but nobody looks.
    hide(page, True)
    as_alice.call("POST", f"/api/channels/{club['id']}/posts", {"body": "While away"})
    expect(post_locator(page, "While away")).to_be_visible()
    expect(badge(page, club["id"])).to_have_text("1")
    expect(badge(phone.page, club["id"])).to_have_text("1")
    # Long enough for any report to go (they go at most once a second), then a
    # round trip on the same socket: the server has had whatever was sent.
    page.clock.run_for(5000)
    page.evaluate("async () => (await import('/state.js')).app.conn.request({ op: 'ping' })")
    assert unread_of(as_bob, club["id"])[1] == 1
    expect(badge(phone.page, club["id"])).to_have_text("1")

    # Back in front: the desktop reads it, the divider above what came meanwhile.
    hide(page, False)
    expect(badge(phone.page, club["id"])).to_have_count(0, timeout=LIVE_MS)
    expect(badge(page, club["id"])).to_have_count(0)
    expect(page.locator("[data-testid=unread-divider] + [data-testid=post]")).to_contain_text(
        "While away"
    )
    assert unread_of(as_bob, club["id"])[1] == 0


def test_nothing_written_before_the_own_stream_is_followed_is_lost(
    kaisha: Kaisha, sign_in: SignIn
) -> None:
    """A fresh page fetches the session and the channel list, then subscribes
    to its own stream without a position: what is written in between would
    never come as an event. Here the `sub_me` is held back while an admin
    moves the person to another department; once it goes, the page still
    shows the new department and its channel."""
    sales = kaisha.department(unique("Sales"))
    support = kaisha.department(unique("Support"))
    taro = kaisha.person(unique("Taro"), sales["id"])
    person = sign_in(taro["email"])
    page = person.page
    held: list[str | bytes] = []
    servers: list[WebSocketRoute] = []

    def proxy(ws: WebSocketRoute) -> None:
        server = ws.connect_to_server()
        servers.append(server)

        def from_page(message: str | bytes) -> None:
            if json.loads(message).get("op") == "sub_me" and len(servers) == 1:
                held.append(message)
                return
            server.send(message)

        ws.on_message(from_page)
        server.on_message(ws.send)

    page.route_web_socket(re.compile(r"/ws$"), proxy)
    person.open(f"#/c/{sales['channel_id']}")
    card = page.get_by_test_id("me")
    expect(card.get_by_test_id("me-department")).to_have_text(sales["name"])
    link = page.locator(f"[data-testid=channel-link][data-channel-id='{support['channel_id']}']")
    expect(page.get_by_test_id("dept-channels")).to_contain_text(sales["name"])
    wait_until(page, lambda: bool(held), "the page to subscribe to its own stream")

    kaisha.admin.call("PATCH", f"/api/users/{taro['id']}", {"department_id": support["id"]})
    servers[0].send(held[0])
    expect(card.get_by_test_id("me-department")).to_have_text(support["name"])
    expect(link).to_be_visible()


# ---- web/reading.js on its own, without a server ------------------------------------

READING_SCRIPT = """
async () => {
  const { app } = await import('/state.js');
  const { said } = await import('/kinds/index.js');
  const reading = await import('/reading.js');
  const ME = 7, ALICE = 8;
  app.me = { id: ME };
  const channel = (id, read_seq, unread, seq) =>
    ({ id, name: `c${id}`, epoch: 'e1', seq, read_seq, unread });
  const said_ = (channel, seq, by = ALICE, kind = 'post.created') => ({
    type: 'event', channel, epoch: 'e1', seq, kind,
    data: { post: { id: 100 + seq, parent_id: null, author: { id: by } } },
  });
  const out = { said: Object.keys(said).sort() };
  const count = () => reading.unreadCount(5);

  app.channels = [channel(5, 10, 2, 14), channel(6, null, 0, 3)];
  reading.takeList(app.channels);
  out.fromList = [count(), reading.unreadCount(6), reading.readState(6)];
  reading.noteEvent(said_(5, 14)); // the list counted it already
  out.counted = count();
  reading.noteEvent(said_(5, 15));
  reading.noteEvent(said_(5, 15)); // again (a replay)
  reading.noteEvent(said_(5, 16, ME)); // one's own
  reading.noteEvent({ ...said_(5, 17), kind: 'like.added' }); // says nothing
  out.live = count();
  reading.readMoved({ channel_id: 5, seq: 16, unread: 0 });
  out.moved = [count(), reading.readState(5)];
  reading.readMoved({ channel_id: 5, seq: 12, unread: 4 }); // a replayed, older one
  reading.readMoved({ channel_id: 5, seq: 16, unread: 5 }); // the same position again
  out.oldNews = count();
  reading.readMoved({ channel_id: 5, seq: 16, unread: 1 }, { answer: true });
  out.answer = count();
  reading.takeList([channel(5, 10, 3, 15), channel(6, null, 0, 3)]); // fetched before the move
  out.olderList = [count(), reading.readState(5).read];
  app.channels = [channel(5, 16, 2, 20)];
  reading.takeList(app.channels); // a newer one
  out.newerList = count();
  reading.noteEvent(said_(5, 19)); // counted by that list
  out.behindList = count();
  app.openChannel = 5; // open and in view: nothing to count
  reading.noteEvent(said_(5, 21));
  out.inView = count();
  app.openChannel = null;
  reading.noteEvent(said_(5, 22, ALICE, 'comment.created'));
  out.comment = count();
  reading.readMoved({ channel_id: 9, seq: 4, unread: 6 }); // not (yet) in the list
  out.total = reading.totalUnread();
  return out;
}
"""


def test_read_state_follows_the_server_and_counts_what_comes_after(static_page: Page) -> None:
    out = static_page.evaluate(READING_SCRIPT)
    assert out["said"] == sorted(UNREAD_KINDS)  # what the server counts
    assert out["fromList"] == [2, 0, None]  # not a member of 6: nothing
    assert out["counted"] == 2
    assert out["live"] == 3
    assert out["moved"] == [0, {"read": 16, "unread": 0}]
    assert out["oldNews"] == 0
    assert out["answer"] == 1
    assert out["olderList"] == [1, 16]
    assert out["newerList"] == 2
    assert out["behindList"] == 2
    assert out["inView"] == 2
    assert out["comment"] == 3
    assert out["total"] == 3
