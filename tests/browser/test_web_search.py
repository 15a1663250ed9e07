"""Search in the browser: the box in the top bar at every width, results with
the matched words marked (drawn as text, never as markup), filters, paging,
and a result that opens its post in its channel."""

from __future__ import annotations

import re

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
