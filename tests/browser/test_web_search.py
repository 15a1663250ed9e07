"""Search in the browser: the box in the top bar at every width, results with
the matched words marked (drawn as text, never as markup), filters (channel,
person, dates, posts or comments), paging, a result that opens its post in its
channel, and a private group's posts never shown to someone not in it."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Kaisha, SignIn, connected, unique

pytestmark = pytest.mark.browser


def test_search_marks_what_matched_and_opens_the_post(kaisha: Kaisha, sign_in: SignIn) -> None:
    dept = kaisha.department(unique("Accounting"))
    aiko = kaisha.person(unique("Aiko"), dept["id"])
    api = kaisha.api_as(aiko["email"])
    tag = unique("tag")
    channel = dept["channel_id"]
    post = api.call(
        "POST", f"/api/channels/{channel}/posts", {"body": f"明日の会議は10時から <b>{tag}</b>"}
    )["post"]
    comment = api.call(
        "POST", f"/api/posts/{post['id']}/comments", {"body": f"会議室Bに変更です {tag}"}
    )["post"]

    person = sign_in(aiko["email"])
    page = person.open(f"#/c/{channel}")
    connected(page)
    box = page.get_by_test_id("search-box")
    box.fill(f"会議 {tag.upper()}")
    box.press("Enter")
    expect(page).to_have_url(re.compile(r"#/search\?q="))
    results = page.get_by_test_id("search-result")
    expect(results).to_have_count(2)
    # Newest first: the comment (marked as one), then the post.
    first, second = results.nth(0), results.nth(1)
    expect(first).to_have_attribute("data-post-id", str(comment["id"]))
    expect(first).to_contain_text("Comment")
    expect(first).to_contain_text(dept["name"])
    expect(first.locator("mark")).to_have_text(["会議", tag])
    # What someone typed as markup is shown as the text it is.
    snippet = second.get_by_test_id("search-snippet")
    expect(snippet).to_have_text(f"明日の会議は10時から <b>{tag}</b>")
    expect(snippet.locator("b")).to_have_count(0)
    expect(snippet.locator("mark")).to_have_text(["会議", tag])
    expect(box).to_have_value(f"会議 {tag.upper()}")

    # Comments only.
    page.get_by_test_id("search-in").select_option("comments")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(results).to_have_count(1)
    expect(results.first).to_have_attribute("data-post-id", str(comment["id"]))

    # A result opens its post, in its channel, in its thread.
    results.first.get_by_role("link").click()
    expect(page).to_have_url(re.compile(rf"#/c/{channel}/p/{post['id']}$"))
    expect(page.get_by_test_id("thread-panel")).to_contain_text(f"会議室Bに変更です {tag}")

    box.fill(unique("nothinglikethis"))
    box.press("Enter")
    expect(page.get_by_test_id("search-status")).to_contain_text("Nothing found")
    expect(results).to_have_count(0)


def test_search_pages_and_keeps_its_box_on_a_phone(kaisha: Kaisha, sign_in: SignIn) -> None:
    dept = kaisha.department(unique("Support"))
    ken = kaisha.person(unique("Ken"), dept["id"])
    api = kaisha.api_as(ken["email"])
    tag = unique("weekly")
    for i in range(23):
        api.call("POST", f"/api/channels/{dept['channel_id']}/posts", {"body": f"週報 {tag} {i}"})

    person = sign_in(ken["email"], locale="ja-JP", viewport={"width": 390, "height": 844})
    page = person.open("#/")
    connected(page)
    expect(page.get_by_test_id("menu-button")).to_be_visible()
    box = page.get_by_test_id("search-box")
    expect(box).to_be_visible()
    expect(box).to_have_attribute("placeholder", "投稿とコメントを検索")
    box.fill(f"週報 {tag}")
    box.press("Enter")
    results = page.get_by_test_id("search-result")
    expect(results).to_have_count(20)
    expect(results.first.get_by_test_id("search-snippet")).to_have_text(f"週報 {tag} 22")
    page.get_by_test_id("search-more").click()
    expect(results).to_have_count(23)
    expect(page.get_by_test_id("search-more")).to_be_hidden()
    expect(results.last.get_by_test_id("search-snippet")).to_have_text(f"週報 {tag} 0")
    # The person filter's list fits the phone's width and is picked by keyboard.
    who = page.get_by_test_id("search-person")
    who.fill(ken["display_name"][1:])
    option = page.locator(f"[data-testid=search-person-option][data-user-id='{ken['id']}']")
    expect(option).to_be_visible()
    box_of = option.bounding_box()
    assert box_of is not None and box_of["x"] >= 0 and box_of["x"] + box_of["width"] <= 390
    who.press("Tab")
    page.keyboard.press("Space")
    expect(who).to_have_value(ken["display_name"])
    expect(who).to_be_focused()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"author={ken['id']}"))
    expect(results).to_have_count(20)


def test_keihi_is_found_marked_where_one_may_read_it_and_never_in_a_private_group(
    kaisha: Kaisha, sign_in: SignIn
) -> None:
    dept = kaisha.department(unique("Keiri"))
    hana = kaisha.person(unique("Hanako"), dept["id"])
    taro = kaisha.person(unique("Taro"), dept["id"])
    jiro = kaisha.person(unique("Jiro"), dept["id"])
    tag = unique("keihi")
    said = kaisha.api_as(taro["email"]).call(
        "POST", f"/api/channels/{dept['channel_id']}/posts", {"body": f"経費精算は月末まで {tag}"}
    )["post"]
    # A private group Hana is not in, from her own department even.
    as_jiro = kaisha.api_as(jiro["email"])
    secret = as_jiro.call("POST", "/api/channels", {"name": unique("Secret "), "is_private": True})
    hidden = as_jiro.call(
        "POST", f"/api/channels/{secret['id']}/posts", {"body": f"経費の件は内密に {tag}"}
    )["post"]
    # And Hana's own note in a group of hers, for the filters.
    as_hana = kaisha.api_as(hana["email"])
    club = as_hana.call("POST", "/api/channels", {"name": unique("Club ")})
    mine = as_hana.call("POST", f"/api/channels/{club['id']}/posts", {"body": f"経費のメモ {tag}"})[
        "post"
    ]

    person = sign_in(hana["email"])
    page = person.open(f"#/c/{dept['channel_id']}")
    connected(page)
    box = page.get_by_test_id("search-box")
    box.fill("経費")
    box.press("Enter")
    results = page.get_by_test_id("search-result")
    found = page.locator(f"[data-testid=search-result][data-post-id='{said['id']}']")
    expect(found).to_be_visible()
    expect(found.get_by_test_id("search-snippet")).to_have_text(f"経費精算は月末まで {tag}")
    expect(found.locator("mark")).to_have_text(["経費"])
    expect(page.locator(f"[data-post-id='{hidden['id']}']")).to_have_count(0)
    expect(page.get_by_test_id("search-page")).not_to_contain_text("内密")

    # With her tag: exactly what she may read, the group's post not even counted.
    page.get_by_test_id("search-input").fill(f"経費 {tag}")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(results).to_have_count(2)
    expect(results.nth(0)).to_have_attribute("data-post-id", str(mine["id"]))
    expect(results.nth(1)).to_have_attribute("data-post-id", str(said["id"]))
    expect(results.nth(1).locator("mark")).to_have_text(["経費", tag])

    # Channel: the department's only.
    page.get_by_test_id("search-channel").select_option(str(dept["channel_id"]))
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page).to_have_url(re.compile(rf"channel={dept['channel_id']}"))
    expect(results).to_have_count(1)
    expect(results.first).to_have_attribute("data-post-id", str(said["id"]))

    # Person: found by a part of her name, picked from the list; Hana's only.
    page.get_by_test_id("search-channel").select_option("")
    who = page.get_by_test_id("search-person")
    who.fill(hana["display_name"][1:].lower())
    page.locator(f"[data-testid=search-person-option][data-user-id='{hana['id']}']").click()
    expect(who).to_have_value(hana["display_name"])
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page).to_have_url(re.compile(rf"author={hana['id']}"))
    expect(results).to_have_count(1)
    expect(results.first).to_have_attribute("data-post-id", str(mine["id"]))
    # The URL keeps her, and the field shows her name after a reload.
    page.reload()
    connected(page)
    expect(page.get_by_test_id("search-person")).to_have_value(hana["display_name"])
    expect(results).to_have_count(1)
    # A name typed but not picked is not searched.
    who = page.get_by_test_id("search-person")
    who.fill("nobody-at-all")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.get_by_test_id("search-status")).to_contain_text("Pick the person from the list")
    expect(page).to_have_url(re.compile(rf"author={hana['id']}"))
    who.fill("")

    # Dates: the days around today find both; days after today find nothing.
    today = date.today()
    since, until = page.get_by_test_id("search-since"), page.get_by_test_id("search-until")
    since.fill((today - timedelta(days=2)).isoformat())
    until.fill((today + timedelta(days=2)).isoformat())
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page).to_have_url(re.compile(r"since=.*until="))
    expect(page).not_to_have_url(re.compile(r"author="))
    expect(results).to_have_count(2)
    since.fill((today + timedelta(days=3)).isoformat())
    until.fill((today + timedelta(days=5)).isoformat())
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.get_by_test_id("search-status")).to_contain_text("Nothing found")
    expect(results).to_have_count(0)
