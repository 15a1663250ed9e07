"""The channel view in the browser: live posts, comments and likes between two
people; post bodies shown as text, never as markup; a phone-sized screen."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from playwright.sync_api import WebSocketRoute, expect

from tests.browser.conftest import (
    Kaisha,
    SignIn,
    connected,
    following,
    post_locator,
    unique,
    wait_until,
)

pytestmark = pytest.mark.browser


def test_post_comment_and_like_reach_the_other_person_live(kaisha: Kaisha, sign_in: SignIn) -> None:
    dept = kaisha.department(unique("Sales"))
    alice = kaisha.person(unique("Alice"), dept["id"])
    bob = kaisha.person(unique("Bob"), dept["id"])
    a = sign_in(alice["email"])
    b = sign_in(bob["email"])
    for person in (a, b):
        person.open(f"#/c/{dept['channel_id']}")
        connected(person.page)
        expect(person.page.get_by_test_id("channel-name")).to_contain_text(dept["name"])

    body = unique("Lunch at noon? ")
    a.page.get_by_test_id("composer-input").fill(body)
    a.page.get_by_test_id("composer-input").press("Enter")

    # B sees it without reloading, with author, department and time.
    on_b = post_locator(b.page, body)
    expect(on_b).to_have_count(1)
    expect(on_b.get_by_test_id("post-author")).to_have_text(alice["display_name"])
    expect(on_b.get_by_test_id("post-dept")).to_have_text(dept["name"])
    expect(on_b.locator("time")).not_to_be_empty()

    # A opens the post to watch its comments.
    on_a = post_locator(a.page, body)
    expect(on_a).to_have_count(1)
    expect(a.page.get_by_test_id("pending-post")).to_have_count(0)
    on_a.get_by_test_id("comment-button").click()
    thread_a = a.page.get_by_test_id("thread-panel")
    expect(thread_a.get_by_test_id("post-body")).to_contain_text(body)

    # B likes the post and comments on it.
    on_b.get_by_test_id("like-button").click()
    expect(on_b.get_by_test_id("like-button")).to_have_attribute("aria-pressed", "true")
    on_b.get_by_test_id("comment-button").click()
    comment = unique("Yes, see you there ")
    b.page.get_by_test_id("comment-composer-input").fill(comment)
    b.page.get_by_test_id("comment-composer-input").press("Enter")
    expect(b.page.get_by_test_id("thread-panel").get_by_test_id("comment")).to_have_count(1)

    # A sees the like count, who liked, and the comment appear.
    expect(on_a.get_by_test_id("like-count")).to_have_text("1")
    expect(on_a.get_by_test_id("comment-count")).to_have_text("1 comment")
    expect(thread_a.get_by_test_id("comment")).to_have_count(1)
    expect(thread_a.get_by_test_id("comment")).to_contain_text(comment)
    expect(thread_a.get_by_test_id("comment").get_by_test_id("post-author")).to_have_text(
        bob["display_name"]
    )
    on_a.get_by_test_id("like-count").hover()
    expect(a.page.get_by_test_id("likers")).to_contain_text(bob["display_name"])

    # A edits the post; B sees the new text and the "edited" marker.
    on_a = a.page.locator(
        f"[data-testid=timeline] [data-post-id='{on_a.get_attribute('data-post-id')}']"
    )
    on_a.hover()
    on_a.get_by_test_id("edit-button").click()
    on_a.get_by_test_id("edit-input").fill(body + " (room 3)")
    on_a.get_by_test_id("edit-save").click()
    expect(on_b.get_by_test_id("post-body")).to_contain_text("(room 3)")
    expect(on_b.get_by_test_id("edited")).to_be_visible()

    # A deletes it (after confirming on the page); it disappears for B.
    on_a.hover()
    on_a.get_by_test_id("delete-button").click()
    on_a.get_by_test_id("delete-confirm").click()
    expect(on_b).to_have_count(0)
    expect(b.page.get_by_test_id("thread-missing")).to_be_visible()
    assert a.dialogs == [] and b.dialogs == []


def test_html_in_a_post_is_shown_as_text(kaisha: Kaisha, sign_in: SignIn) -> None:
    dept = kaisha.department(unique("Security"))
    mallory = kaisha.person(unique("Mallory"), dept["id"])
    victim = kaisha.person(unique("Victim"), dept["id"])
    m = sign_in(mallory["email"])
    v = sign_in(victim["email"])
    for person in (m, v):
        person.open(f"#/c/{dept['channel_id']}")
        connected(person.page)

    body = "<img src=x onerror=alert(1)>"
    m.page.get_by_test_id("composer-input").fill(body)
    m.page.get_by_test_id("composer-input").press("Enter")
    for person in (m, v):
        shown = post_locator(person.page, "onerror")
        expect(shown.get_by_test_id("post-body")).to_have_text(body)
        expect(shown.locator("img")).to_have_count(0)
    # Also after a reload (the history page rather than the live event).
    v.page.reload()
    expect(post_locator(v.page, "onerror").get_by_test_id("post-body")).to_have_text(body)
    expect(v.page.locator("[data-testid=post-body] img")).to_have_count(0)
    assert m.dialogs == [] and v.dialogs == []


def test_phone_screen_can_post_and_read(kaisha: Kaisha, sign_in: SignIn) -> None:
    dept = kaisha.department(unique("Support"))
    kenji = kaisha.person(unique("Kenji"), dept["id"])
    phone = sign_in(kenji["email"], viewport={"width": 360, "height": 740})
    page = phone.open(f"#/c/{dept['channel_id']}")
    connected(page)

    # The sidebar is a drawer behind the menu button.
    expect(page.get_by_test_id("sidebar")).not_to_be_in_viewport()
    expect(page.get_by_test_id("menu-button")).to_be_visible()
    composer = page.get_by_test_id("composer-input")
    expect(composer).to_be_in_viewport()

    body = unique("Posted from my phone ")
    composer.fill(body)
    page.get_by_test_id("composer-send").click()
    expect(post_locator(page, body)).to_be_in_viewport()
    expect(page.get_by_test_id("pending-post")).to_have_count(0)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    # The menu opens the drawer, and following a link closes it again.
    page.get_by_test_id("menu-button").click()
    expect(page.get_by_test_id("sidebar")).to_be_in_viewport()
    page.get_by_test_id("nav-people").click()
    expect(page.get_by_test_id("people-page")).to_be_visible()
    expect(page.get_by_test_id("sidebar")).not_to_be_in_viewport()


def test_unread_counts_drafts_presence_and_typing(kaisha: Kaisha, sign_in: SignIn) -> None:
    dept = kaisha.department(unique("Design"))
    alice = kaisha.person(unique("Alice"), dept["id"])
    bob = kaisha.person(unique("Bob"), dept["id"])
    as_alice = kaisha.api_as(alice["email"])
    group = as_alice.call("POST", "/api/channels", {"name": unique("Running club ")})
    kaisha.api_as(bob["email"]).call("POST", f"/api/channels/{group['id']}/join")

    b = sign_in(bob["email"])
    b.open(f"#/c/{dept['channel_id']}")
    connected(b.page)
    link = b.page.locator(f"[data-testid=channel-link][data-channel-id='{group['id']}']")
    expect(link).to_be_visible()
    following(b.page, group["id"])  # else a post may come before the subscription
    for n in range(2):
        as_alice.call("POST", f"/api/channels/{group['id']}/posts", {"body": f"Run {n}"})
    expect(link.get_by_test_id("unread-badge")).to_have_text("2")
    b.page.reload()  # kept across reloads (the replay does not count twice)
    connected(b.page)
    expect(link.get_by_test_id("unread-badge")).to_have_text("2")
    link.click()
    expect(b.page.get_by_test_id("channel-name")).to_contain_text(group["name"])
    expect(link.get_by_test_id("unread-badge")).to_have_count(0)

    # A draft survives a reload.
    b.page.get_by_test_id("composer-input").fill("half-written thought")
    b.page.reload()
    expect(b.page.get_by_test_id("composer-input")).to_have_value("half-written thought")

    # Presence and typing, live in the department channel.
    b.open(f"#/c/{dept['channel_id']}")
    a = sign_in(alice["email"])
    a.open(f"#/c/{dept['channel_id']}")
    connected(a.page)
    member = b.page.locator(f"[data-testid=member][data-user-id='{alice['id']}']")
    expect(member).to_have_attribute("data-status", "online")
    a.page.get_by_test_id("status-toggle").click()
    expect(a.page.get_by_test_id("status-toggle")).to_have_text("Away")
    expect(member).to_have_attribute("data-status", "away")
    a.page.get_by_test_id("composer-input").type("typing…")
    expect(b.page.get_by_test_id("typing")).to_have_text(f"{alice['display_name']} is typing…")
    a.context.close()
    expect(member).to_have_attribute("data-status", "offline")


def test_scrolling_up_loads_older_pages(kaisha: Kaisha, sign_in: SignIn) -> None:
    dept = kaisha.department(unique("Archive"))
    writer = kaisha.person(unique("Writer"), dept["id"])
    as_writer = kaisha.api_as(writer["email"])
    for n in range(120):
        as_writer.call("POST", f"/api/channels/{dept['channel_id']}/posts", {"body": f"Entry {n}"})
    page = sign_in(writer["email"]).open(f"#/c/{dept['channel_id']}")
    posts = page.get_by_test_id("timeline").get_by_test_id("post")
    expect(posts).to_have_count(50)
    expect(posts.last).to_contain_text("Entry 119")
    expect(posts.last).to_be_in_viewport()
    for shown in (100, 120):
        page.get_by_test_id("timeline").evaluate("el => { el.scrollTop = 0; }")
        expect(posts).to_have_count(shown)
    expect(page.get_by_test_id("timeline-start")).to_be_visible()
    texts = page.get_by_test_id("timeline").get_by_test_id("post-body").all_inner_texts()
    assert texts == [f"Entry {n}" for n in range(120)]


def test_failed_send_is_retried_with_the_same_cid(kaisha: Kaisha, sign_in: SignIn) -> None:
    dept = kaisha.department(unique("Retry"))
    ren = kaisha.person(unique("Ren"), dept["id"])
    person = sign_in(ren["email"])
    page = person.page
    posts_sent: list[dict[str, Any]] = []
    plan = {"fail_next": True, "drop_next_ack": False}

    def proxy(ws: WebSocketRoute) -> None:
        server = ws.connect_to_server()

        def from_page(message: str | bytes) -> None:
            frame = json.loads(message)
            if frame.get("op") == "post":
                posts_sent.append(frame)
                if plan["fail_next"]:
                    plan["fail_next"] = False
                    error = {"type": "error", "id": frame["id"], "code": "internal", "message": "x"}
                    ws.send(json.dumps(error))
                    return
            server.send(message)

        def from_server(message: str | bytes) -> None:
            if plan["drop_next_ack"] and json.loads(message).get("type") == "ack":
                plan["drop_next_ack"] = False
                ws.close(code=4500, reason="restarting")  # the ack is lost with the connection
                return
            ws.send(message)

        ws.on_message(from_page)
        server.on_message(from_server)

    page.route_web_socket(re.compile(r"/ws$"), proxy)
    person.open(f"#/c/{dept['channel_id']}")
    connected(page)

    # The server answers "internal": the post stays, marked as not sent, with Retry.
    body = unique("Retry me ")
    page.get_by_test_id("composer-input").fill(body)
    page.get_by_test_id("composer-input").press("Enter")
    pending = page.get_by_test_id("pending-post")
    expect(pending).to_have_attribute("data-state", "failed")
    plan["drop_next_ack"] = True  # and the retry's answer is lost too
    pending.get_by_test_id("retry-button").click()
    expect(post_locator(page, body)).to_have_count(1)
    expect(pending).to_have_count(0)

    # The page reconnected and sent the write again; the server applied it once.
    connected(page)
    expect(page.get_by_test_id("conn-banner")).to_be_hidden()
    expect(post_locator(page, body)).to_have_count(1)
    wait_until(page, lambda: len(posts_sent) >= 3, "the write to be sent again after the reconnect")
    assert {frame["cid"] for frame in posts_sent} == {posts_sent[0]["cid"]}
    stored = kaisha.api_as(ren["email"]).call("GET", f"/api/channels/{dept['channel_id']}/posts")
    assert [p["body"] for p in stored["posts"]].count(body) == 1


def test_identical_posts_and_comments_are_told_apart_by_cid(
    kaisha: Kaisha, sign_in: SignIn
) -> None:
    """Two identical posts sent in a row, and two identical comments: each
    pending one is settled by its own write's cid. The first of each pair is
    held back by a proxy until the second has been written, acknowledged and
    seen as an event: the first must still be pending then."""
    dept = kaisha.department(unique("Logistics"))
    aki = kaisha.person(unique("Aki"), dept["id"])
    ben = kaisha.person(unique("Ben"), dept["id"])
    a = sign_in(aki["email"])
    page = a.page
    plan: dict[str, Any] = {"hold": None}
    held: list[str | bytes] = []
    writes: list[dict[str, Any]] = []
    from_server: list[dict[str, Any]] = []
    servers: list[Any] = []

    def proxy(ws: WebSocketRoute) -> None:
        server = ws.connect_to_server()
        servers.append(server)

        def page_to_server(message: str | bytes) -> None:
            frame = json.loads(message)
            if frame.get("op") in ("post", "comment"):
                writes.append(frame)
                if plan["hold"] == frame["op"]:
                    plan["hold"] = None
                    held.append(message)
                    return
            server.send(message)

        def server_to_page(message: str | bytes) -> None:
            from_server.append(json.loads(message))
            ws.send(message)

        ws.on_message(page_to_server)
        server.on_message(server_to_page)

    def written(write: dict[str, Any]) -> bool:
        """The server's ack and event for this write have passed the proxy."""
        acked = any(f.get("type") == "ack" and f.get("id") == write["id"] for f in from_server)
        seen = any(f.get("type") == "event" and f.get("cid") == write["cid"] for f in from_server)
        return acked and seen

    def settle_page() -> None:
        """A ping's pong comes after every frame forwarded before it, in order."""
        page.evaluate("async () => (await import('/state.js')).app.conn.request({ op: 'ping' })")

    page.route_web_socket(re.compile(r"/ws$"), proxy)
    b = sign_in(ben["email"])
    for person in (a, b):
        person.open(f"#/c/{dept['channel_id']}")
        connected(person.page)

    # Two posts with the same text, the first held back.
    plan["hold"] = "post"
    composer = page.get_by_test_id("composer-input")
    for _ in range(2):
        composer.fill("了解です")
        composer.press("Enter")
    wait_until(page, lambda: len(writes) == 2 and len(held) == 1, "both posts to be sent")
    first = writes[0]["cid"]
    assert first != writes[1]["cid"]
    wait_until(page, lambda: written(writes[1]), "the second post to be written")
    settle_page()
    pending = page.get_by_test_id("pending-post")
    expect(pending).to_have_count(1)
    expect(pending).to_have_attribute("data-cid", first)
    expect(post_locator(page, "了解です")).to_have_count(1)

    servers[-1].send(held.pop())
    for person in (a, b):
        expect(post_locator(person.page, "了解です")).to_have_count(2)
        expect(person.page.get_by_test_id("pending-post")).to_have_count(0)
        ids = [
            int(i or 0)
            for i in person.page.get_by_test_id("timeline")
            .get_by_test_id("post")
            .evaluate_all("els => els.map((el) => el.dataset.postId)")
        ]
        assert ids == sorted(ids) and len(ids) == len(set(ids)) == 2

    # Two comments with the same text on the first of them, the first held back.
    post_locator(page, "了解です").first.get_by_test_id("comment-button").click()
    thread = page.get_by_test_id("thread-panel")
    expect(thread.get_by_test_id("comment-composer-input")).to_be_visible()
    plan["hold"] = "comment"
    writes.clear()
    for _ in range(2):
        thread.get_by_test_id("comment-composer-input").fill("はい")
        thread.get_by_test_id("comment-composer-input").press("Enter")
    wait_until(page, lambda: len(writes) == 2 and len(held) == 1, "both comments to be sent")
    first = writes[0]["cid"]
    wait_until(page, lambda: written(writes[1]), "the second comment to be written")
    settle_page()
    expect(thread.get_by_test_id("pending-post")).to_have_count(1)
    expect(thread.get_by_test_id("pending-post")).to_have_attribute("data-cid", first)
    expect(thread.get_by_test_id("comment")).to_have_count(1)

    servers[-1].send(held.pop())
    expect(thread.get_by_test_id("comment")).to_have_count(2)
    expect(thread.get_by_test_id("comment").filter(has_text="はい")).to_have_count(2)
    expect(page.get_by_test_id("pending-post")).to_have_count(0)
    for person in (a, b):
        counts = post_locator(person.page, "了解です").get_by_test_id("comment-count")
        expect(counts).to_have_text(["2 comments", "0 comments"])

    stored = kaisha.api_as(ben["email"]).call("GET", f"/api/channels/{dept['channel_id']}/posts")
    assert [p["body"] for p in stored["posts"]] == ["了解です", "了解です"]
    thread_id = stored["posts"][0]["id"]
    comments = kaisha.api_as(ben["email"]).call("GET", f"/api/posts/{thread_id}")["comments"]
    assert [c["body"] for c in comments] == ["はい", "はい"]
