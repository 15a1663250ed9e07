"""What a newcomer hit: long posts folded, a paste over the limit said before
sending, the channel header on a 360 px phone, the own card following a
department move and the connection, toasts that stay with their page, "edited
by" on a moderator's edit, and an open channel told that access was lost."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import WebSocketRoute, expect

from tests.browser.conftest import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    Kaisha,
    SignIn,
    connected,
    following,
    post_locator,
    unique,
)

pytestmark = pytest.mark.browser

LIMIT = 10_000


def test_a_long_post_is_folded_with_read_more(kaisha: Kaisha, sign_in: SignIn) -> None:
    dept = kaisha.department(unique("Essays"))
    writer = kaisha.person(unique("Writer"), dept["id"])
    words = ("All work and no play makes for a long post. " * 250)[:LIMIT].strip()
    body = unique("Long ") + words[: LIMIT - 10]
    kaisha.api_as(writer["email"]).call(
        "POST", f"/api/channels/{dept['channel_id']}/posts", {"body": body}
    )
    kaisha.api_as(writer["email"]).call(
        "POST", f"/api/channels/{dept['channel_id']}/posts", {"body": "A short one."}
    )
    for locale, more, less in (
        ("en-US", "Read more", "Show less"),
        ("ja-JP", "続きを読む", "折りたたむ"),
    ):
        page = sign_in(writer["email"], locale=locale).open(f"#/c/{dept['channel_id']}")
        long_post = post_locator(page, "Long ")
        expect(long_post).to_have_count(1)
        button = long_post.get_by_test_id("read-more")
        expect(button).to_have_text(more)
        expect(button).to_have_attribute("aria-expanded", "false")
        shown = long_post.get_by_test_id("post-body")
        folded = shown.evaluate("el => el.getBoundingClientRect().height")
        assert folded < page.viewport_size["height"] / 2  # type: ignore[index]
        button.click()
        expect(button).to_have_text(less)
        expect(button).to_have_attribute("aria-expanded", "true")
        expect(shown).not_to_have_class(re.compile(r"\bfolded\b"))
        assert shown.evaluate("el => el.getBoundingClientRect().height") > folded * 3
        # The whole text is there, folded or not; short posts have no button.
        assert len(shown.inner_text()) > LIMIT - 100
        expect(post_locator(page, "A short one.").get_by_test_id("read-more")).to_have_count(0)


def test_a_paste_over_the_limit_is_said_before_sending(kaisha: Kaisha, sign_in: SignIn) -> None:
    dept = kaisha.department(unique("Paste"))
    mei = kaisha.person(unique("Mei"), dept["id"])
    page = sign_in(mei["email"]).open(f"#/c/{dept['channel_id']}")
    connected(page)
    composer = page.get_by_test_id("composer-input")
    composer.focus()
    page.keyboard.insert_text("x" * (LIMIT + 50))  # one input event, as a paste makes
    # Nothing was cut: all of it is there, and the page says by how much it is over.
    assert len(composer.input_value()) == LIMIT + 50
    warning = page.get_by_test_id("composer-too-long")
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("50 characters over the limit of 10,000")
    expect(page.get_by_test_id("composer-send")).to_be_disabled()
    composer.press("Enter")
    expect(page.get_by_test_id("pending-post")).to_have_count(0)

    # Shortened to the limit, it goes.
    composer.fill("y" * LIMIT)
    expect(warning).to_be_hidden()
    expect(page.get_by_test_id("composer-send")).to_be_enabled()
    composer.press("Enter")
    expect(page.get_by_test_id("timeline").get_by_test_id("post")).to_have_count(1)
    expect(page.get_by_test_id("pending-post")).to_have_count(0)


def test_the_channel_header_fits_a_360px_phone(kaisha: Kaisha, sign_in: SignIn) -> None:
    """In English, with every button a creator has (members, edit, invite,
    leave) and a private group's tags: one or two rows, above the first post."""
    hana = kaisha.person(unique("Hana"))
    group = kaisha.api_as(hana["email"]).call(
        "POST",
        "/api/channels",
        {
            "name": unique("Weekend photography walks "),
            "is_private": True,
            "description": "Cameras, parks and coffee afterwards.",
        },
    )
    kaisha.api_as(hana["email"]).call(
        "POST", f"/api/channels/{group['id']}/posts", {"body": "First post"}
    )
    page = sign_in(hana["email"], viewport={"width": 360, "height": 740}).open(f"#/c/{group['id']}")
    header = page.get_by_test_id("channel-header")
    expect(header.get_by_test_id("leave-channel")).to_be_visible()
    expect(header.get_by_test_id("members-toggle")).to_have_accessible_name(re.compile("1 member"))
    rows = header.evaluate(
        """el => {
            const tops = [...el.querySelectorAll('.tag, .btn')]
                .filter((x) => x.getClientRects().length)
                .map((x) => Math.round(x.getBoundingClientRect().top));
            return [...new Set(tops.map((t) => Math.round(t / 8)))].length;
        }"""
    )
    assert 1 <= rows <= 2, f"the header wraps to {rows} rows"
    button = header.get_by_test_id("members-toggle").bounding_box()
    box = header.bounding_box()
    assert button and box and box["height"] <= 3 * button["height"]
    first = post_locator(page, "First post").bounding_box()
    assert first and first["y"] >= box["y"] + box["height"] - 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_the_own_card_follows_a_department_move_and_the_connection(
    kaisha: Kaisha, sign_in: SignIn
) -> None:
    sales = kaisha.department(unique("Sales"))
    support = kaisha.department(unique("Support"))
    taro = kaisha.person(unique("Taro"), sales["id"])
    person = sign_in(taro["email"])
    page = person.page
    plan = {"drop": False, "hold": False}
    sockets: list[WebSocketRoute] = []

    def proxy(ws: WebSocketRoute) -> None:
        sockets.append(ws)
        if plan["hold"]:
            return  # never answered: the page stays disconnected
        ws.connect_to_server()

    page.route_web_socket(re.compile(r"/ws$"), proxy)
    person.open(f"#/c/{sales['channel_id']}")
    connected(page)
    card = page.get_by_test_id("me")
    expect(card.get_by_test_id("me-department")).to_have_text(sales["name"])
    status = page.get_by_test_id("status-toggle")
    expect(status).to_have_attribute("data-status", "online")

    # Moved by an admin: the card follows without a reload (membership events).
    kaisha.admin.call("PATCH", f"/api/users/{taro['id']}", {"department_id": support["id"]})
    expect(card.get_by_test_id("me-department")).to_have_text(support["name"])

    # Disconnected: the own status says offline, not online.
    plan["hold"] = True
    sockets[-1].close(code=4500, reason="restarting")
    expect(status).to_have_attribute("data-status", "offline")
    expect(status).to_have_text("Offline")
    # Moved back meanwhile: after the reconnect the card catches up.
    kaisha.admin.call("PATCH", f"/api/users/{taro['id']}", {"department_id": sales["id"]})
    plan["hold"] = False
    page.evaluate("async () => (await import('/state.js')).app.conn.retryNow()")
    connected(page)
    expect(status).to_have_attribute("data-status", "online")
    expect(card.get_by_test_id("me-department")).to_have_text(sales["name"])


def test_toasts_go_with_their_page(kaisha: Kaisha, sign_in: SignIn) -> None:
    dept = kaisha.department(unique("Toasts"))
    page = sign_in(ADMIN_EMAIL, ADMIN_PASSWORD).open("#/admin")
    row = page.locator(f"[data-testid=department][data-department-id='{dept['id']}']")
    row.get_by_test_id("department-name").fill(unique("Renamed toasts "))
    row.get_by_test_id("department-rename").click()
    expect(page.get_by_test_id("toast")).to_be_visible()
    page.get_by_test_id("nav-people").click()
    expect(page.get_by_test_id("people-page")).to_be_visible()
    expect(page.get_by_test_id("toast")).to_be_hidden()


def test_a_moderators_edit_says_who_made_it(kaisha: Kaisha, sign_in: SignIn) -> None:
    dept = kaisha.department(unique("Forum"))
    author = kaisha.person(unique("Author"), dept["id"])
    mod = kaisha.person(unique("Mod"), dept["id"])
    kaisha.admin.call("PATCH", f"/api/users/{mod['id']}", {"role": "moderator"})
    written = kaisha.api_as(author["email"]).call(
        "POST", f"/api/channels/{dept['channel_id']}/posts", {"body": "Call me at 090-1234"}
    )
    page = sign_in(author["email"]).open(f"#/c/{dept['channel_id']}")
    connected(page)
    following(page, dept["channel_id"])
    kaisha.api_as(mod["email"]).call(
        "PATCH", f"/api/posts/{written['post']['id']}", {"body": "Call me (number removed)"}
    )
    post = post_locator(page, "number removed")
    expect(post.get_by_test_id("edited")).to_have_text(f"(edited by {mod['display_name']})")
    page.reload()
    expect(post_locator(page, "number removed").get_by_test_id("edited")).to_have_text(
        f"(edited by {mod['display_name']})"
    )


def test_an_open_channel_says_when_access_is_lost(kaisha: Kaisha, sign_in: SignIn) -> None:
    """The server ends a subscription with unsubbed/access_lost (one left or
    was removed, on any device): the open channel says one has no access now."""
    owner = kaisha.person(unique("Owner"))
    guest = kaisha.person(unique("Guest"))
    as_owner = kaisha.api_as(owner["email"])
    group = as_owner.call("POST", "/api/channels", {"name": unique("Board "), "is_private": True})
    as_owner.call("POST", f"/api/channels/{group['id']}/invite", {"user_ids": [guest["id"]]})
    person = sign_in(guest["email"])
    page = person.page
    sockets: list[WebSocketRoute] = []

    def proxy(ws: WebSocketRoute) -> None:
        ws.connect_to_server()
        sockets.append(ws)

    page.route_web_socket(re.compile(r"/ws$"), proxy)
    person.open(f"#/c/{group['id']}")
    connected(page)
    following(page, group["id"])
    frame = {"type": "unsubbed", "id": None, "channel": group["id"], "reason": "access_lost"}
    sockets[-1].send(json.dumps(frame))
    gone = page.get_by_test_id("not-found")
    expect(gone).to_have_attribute("data-reason", "accessLost")
    expect(gone).to_contain_text("You no longer have access to this channel")

    # And for real: leaving from another device ends it on this page too.
    page.goto(f"/#/c/{group['id']}")
    connected(page)
    following(page, group["id"])
    kaisha.api_as(guest["email"]).call("POST", f"/api/channels/{group['id']}/leave")
    expect(page.get_by_test_id("not-found")).to_have_attribute(
        "data-reason", re.compile(r"^(accessLost|removed)$")
    )
