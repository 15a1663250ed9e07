"""The home feed in the browser (issue 9): the landing page shows the newest
posts of one's channels, unread ones first; a post someone writes appears on
it live; "mark all read" clears every badge of the sidebar; a post opens in
its channel, in its thread; "jump to first unread" goes to the oldest unread
post; a phone-sized screen keeps it usable."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Kaisha, SignIn, connected, following, unique
from tests.browser.test_web_read import badge, group_of

pytestmark = pytest.mark.browser


def _post(kaisha: Kaisha, author: dict[str, Any], channel_id: int, body: str) -> dict[str, Any]:
    made: dict[str, Any] = kaisha.api_as(author["email"]).call(
        "POST", f"/api/channels/{channel_id}/posts", {"body": body}
    )
    return made


def test_home_shows_unread_first_live_and_catches_up(kaisha: Kaisha, sign_in: SignIn) -> None:
    dept = kaisha.department(unique("Home"))
    alice = kaisha.person(unique("Alice"), dept["id"])
    bob = kaisha.person(unique("Bob"), dept["id"])
    club = group_of(kaisha, alice, bob)
    channel = dept["channel_id"]
    old = _post(kaisha, alice, channel, "old news")
    kaisha.api_as(bob["email"]).call("PUT", f"/api/channels/{channel}/read", {"seq": old["seq"]})
    _post(kaisha, alice, club["id"], "club news")
    _post(kaisha, alice, channel, "fresh news")

    page = sign_in(bob["email"]).open("#/")
    connected(page)
    unread = page.get_by_test_id("home-unread").get_by_test_id("home-post")
    read = page.get_by_test_id("home-read").get_by_test_id("home-post")
    expect(unread).to_have_count(2)
    expect(unread.nth(0).get_by_test_id("home-text")).to_have_text("fresh news")
    expect(unread.nth(0).get_by_test_id("home-channel")).to_have_text(dept["name"])
    expect(unread.nth(0).get_by_test_id("home-author")).to_have_text(alice["display_name"])
    expect(unread.nth(1).get_by_test_id("home-text")).to_have_text("club news")
    expect(unread.nth(1).get_by_test_id("home-channel")).to_have_text(club["name"])
    expect(read).to_have_count(1)
    expect(read.first.get_by_test_id("home-text")).to_have_text("old news")
    expect(badge(page, club["id"])).to_have_text("1")
    expect(badge(page, channel)).to_have_text("1")

    # Alice writes: the post is at the top of the unread ones at once.
    following(page, club["id"])
    _post(kaisha, alice, club["id"], "live news")
    expect(unread).to_have_count(3)
    expect(unread.first.get_by_test_id("home-text")).to_have_text("live news")
    expect(badge(page, club["id"])).to_have_text("2")

    # Jump to the oldest unread post: where bob stopped reading.
    page.get_by_test_id("home-jump").click()
    expect(unread.nth(2).get_by_role("link")).to_be_focused()

    # Mark all read: the sidebar's badges go, the posts move down.
    page.get_by_test_id("home-read-all").click()
    expect(badge(page, club["id"])).to_be_hidden()
    expect(badge(page, channel)).to_be_hidden()
    expect(unread).to_have_count(0)
    expect(read).to_have_count(4)
    expect(page.get_by_test_id("home-status")).to_have_text("You are all caught up.")
    expect(page.get_by_test_id("home-jump")).to_be_hidden()
    assert kaisha.api_as(bob["email"]).call("GET", f"/api/channels/{club['id']}")["unread"] == 0

    # A post opens in its channel, in its thread.
    read.filter(has_text="club news").get_by_role("link").click()
    expect(page).to_have_url(re.compile(rf"#/c/{club['id']}/p/\d+$"))
    expect(page.get_by_test_id("thread-panel")).to_contain_text("club news")
    # Home is one click away.
    page.get_by_test_id("nav-home").click()
    expect(page.get_by_test_id("home-page")).to_be_visible()


def test_home_pages_and_fits_a_phone(kaisha: Kaisha, sign_in: SignIn) -> None:
    dept = kaisha.department(unique("Phones"))
    alice = kaisha.person(unique("Alice"), dept["id"])
    ken = kaisha.person(unique("Ken"), dept["id"])
    for i in range(23):
        _post(kaisha, alice, dept["channel_id"], f"週報 {i}")

    person = sign_in(ken["email"], locale="ja-JP", viewport={"width": 360, "height": 740})
    page = person.open("#/")
    connected(page)
    posts = page.get_by_test_id("home-post")
    expect(posts).to_have_count(20)
    expect(page.get_by_role("heading", name="未読 (20+)")).to_be_visible()
    expect(page.get_by_test_id("home-read-all")).to_have_text("すべて既読にする")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, width  # nothing wider than the screen
    page.get_by_test_id("home-more").click()
    expect(posts).to_have_count(23)
    expect(page.get_by_test_id("home-more")).to_be_hidden()
    expect(posts.last.get_by_test_id("home-text")).to_have_text("週報 0")


def test_someone_in_no_channel_is_pointed_to_the_directory(kaisha: Kaisha, sign_in: SignIn) -> None:
    loner = kaisha.person(unique("Loner"))
    page = sign_in(loner["email"]).open("#/")
    expect(page.get_by_test_id("home-empty")).to_be_visible()
    expect(page.get_by_role("link", name="Browse channels")).to_have_attribute(
        "href", "#/directory"
    )
