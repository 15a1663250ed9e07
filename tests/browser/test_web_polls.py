"""A poll in a post, in the browser: one person writes a post with a poll
from the composer; another, in Japanese on a 360 px phone, sees it, is told what is recorded,
and votes; the first sees the bar move live; a change of vote moves it back."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Kaisha, SignIn, connected, following, post_locator

pytestmark = pytest.mark.browser


def test_a_live_poll_seen_moving_by_two_people(kaisha: Kaisha, sign_in: SignIn) -> None:
    dept = kaisha.department("総務部", reading="そうむぶ")
    aoki = kaisha.person("Aoki", dept["id"])
    ueda = kaisha.person("Ueda", dept["id"])
    group = kaisha.api_as(aoki["email"]).call("POST", "/api/channels", {"name": "Lunch club"})
    kaisha.api_as(ueda["email"]).call("POST", f"/api/channels/{group['id']}/join")

    # Aoki writes the question and two options, and sends.
    writer = sign_in(aoki["email"])
    page = writer.open(f"#/c/{group['id']}")
    connected(page)
    following(page, group["id"])
    page.get_by_test_id("composer-input").fill("Where shall we have lunch?")
    page.get_by_test_id("composer-poll-button").click()
    options = page.get_by_test_id("composer-poll-option")
    options.nth(0).fill("Sushi")
    options.nth(1).fill("Ramen")
    page.get_by_test_id("composer-send").click()
    mine = post_locator(page, "Where shall we have lunch?")
    expect(mine.get_by_test_id("poll-option")).to_have_count(2)
    expect(page.get_by_test_id("composer-poll")).to_be_hidden()
    ramen_seen = mine.get_by_test_id("poll-option").filter(has_text="Ramen")
    sushi_seen = mine.get_by_test_id("poll-option").filter(has_text="Sushi")
    expect(ramen_seen).to_have_attribute("data-votes", "0")

    # Ueda, in Japanese, is told it is a named poll, and votes for ramen.
    voter = sign_in(ueda["email"], locale="ja-JP", viewport={"width": 360, "height": 740})
    other = voter.open(f"#/c/{group['id']}")
    connected(other)
    theirs = post_locator(other, "Where shall we have lunch?")
    expect(theirs.get_by_test_id("poll-note")).to_contain_text("記名式")
    ramen = theirs.get_by_test_id("poll-option").filter(has_text="Ramen")
    sushi = theirs.get_by_test_id("poll-option").filter(has_text="Sushi")
    ramen.click()
    expect(ramen).to_have_attribute("aria-pressed", "true")
    expect(ramen.get_by_test_id("poll-count")).to_have_text("1票 · 100%")

    # Aoki's bar moves, with who voted; a change of vote moves it back.
    expect(ramen_seen).to_have_attribute("data-votes", "1")
    expect(ramen_seen.get_by_test_id("poll-count")).to_have_text("1 vote · 100%")
    expect(mine.get_by_test_id("poll-voters").filter(has_text="Ueda")).to_be_visible()
    expect(mine.get_by_test_id("poll-status")).to_contain_text("1 person voted")
    sushi.click()
    expect(sushi).to_have_attribute("aria-pressed", "true")
    expect(ramen_seen).to_have_attribute("data-votes", "0")
    expect(ramen_seen.get_by_test_id("poll-count")).to_have_text("0 votes · 0%")
    expect(sushi_seen).to_have_attribute("data-votes", "1")
    expect(ramen).to_have_attribute("aria-pressed", "false")
