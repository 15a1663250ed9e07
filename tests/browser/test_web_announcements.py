"""Announcements in the browser: an admin publishes a must-read announcement to
two departments from the form; a person in each sees it pinned on home (one
of them live, home already open) and presses 確認しました; the admin, on the
announcement's page, watches the rate go 0% → 50% → 100% live; a person in a
third department never sees it, on home, in the list or at its address.
Files and comments: an image and a PDF on one, comments with the word
check's warning, arriving live on the admin's page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, Kaisha, SignIn, connected
from tests.browser.test_web_files import PDF_JA, SCREENSHOT, pick

pytestmark = pytest.mark.browser


def test_a_must_read_announcement_is_confirmed_and_counted_live(
    kaisha: Kaisha, sign_in: SignIn
) -> None:
    soumu = kaisha.department("総務部", reading="そうむぶ")
    eigyo = kaisha.department("営業部", reading="えいぎょうぶ")
    kaihatsu = kaisha.department("開発部", reading="かいはつぶ")
    aoki = kaisha.person("Aoki", soumu["id"])
    baba = kaisha.person("Baba", eigyo["id"])
    chiba = kaisha.person("Chiba", kaihatsu["id"])

    # Baba's home is open before anything is published: it comes live.
    b = sign_in(baba["email"], locale="ja-JP")
    b_home = b.open("#/")
    connected(b_home)
    expect(b_home.get_by_test_id("home-page")).to_be_visible()
    expect(b_home.get_by_test_id("announcement")).to_have_count(0)

    admin = sign_in(ADMIN_EMAIL, ADMIN_PASSWORD)
    page = admin.open("#/announcements")
    connected(page)
    form = page.get_by_test_id("announce-form")
    form.get_by_test_id("announce-title").fill("健康診断のお知らせ")
    form.get_by_test_id("announce-body").fill("**6月10日**までに受診してください")
    for name in ("総務部", "営業部"):
        form.locator("label", has_text=name).get_by_test_id("announce-department").check()
    expect(form.get_by_test_id("announce-company")).not_to_be_checked()
    form.get_by_test_id("announce-must-read").check()
    form.get_by_test_id("announce-publish").click()
    listed = page.get_by_test_id("announcement").filter(has_text="健康診断のお知らせ")
    expect(listed).to_be_visible()
    listed.get_by_test_id("announcement-title").click()
    expect(page).to_have_url(re.compile(r"#/announcements/\d+$"))
    rate = page.get_by_test_id("announcement-rate")
    expect(rate).to_have_attribute("data-percent", "0")
    expect(page.get_by_test_id("announcement-pending")).to_contain_text("Aoki")
    expect(page.get_by_test_id("announcement-pending")).to_contain_text("Baba")
    address = "#" + page.url.split("#", 1)[1]

    # Baba: pinned live, with the text as posts render it.
    pinned = b_home.get_by_test_id("home-must-read").get_by_test_id("announcement")
    expect(pinned).to_have_count(1)
    expect(pinned.locator("strong", has_text="6月10日")).to_be_visible()

    # Aoki signs in: pinned on home; he confirms; the admin sees 50%.
    a = sign_in(aoki["email"], locale="ja-JP")
    a_home = a.open("#/")
    connected(a_home)
    mine = a_home.get_by_test_id("home-must-read").get_by_test_id("announcement")
    expect(mine).to_contain_text("健康診断のお知らせ")
    mine.get_by_test_id("announcement-confirm").click()
    expect(mine).to_have_count(0)
    expect(rate).to_have_attribute("data-percent", "50")
    expect(page.get_by_test_id("announcement-pending")).not_to_contain_text("Aoki")

    # Baba confirms: 100%, nobody left to remind.
    pinned.get_by_test_id("announcement-confirm").click()
    expect(pinned).to_have_count(0)
    expect(rate).to_have_attribute("data-percent", "100")
    expect(page.get_by_test_id("announcement-remind")).to_be_disabled()
    expect(page.get_by_test_id("announcement-department-rate")).to_have_count(2)

    # Chiba, in 開発部: not on home, not in the list, not at its address.
    c = sign_in(chiba["email"], locale="ja-JP")
    c_home = c.open("#/")
    connected(c_home)
    expect(c_home.get_by_test_id("home-page")).to_be_visible()
    expect(c_home.get_by_test_id("announcement")).to_have_count(0)
    c_list = c.open("#/announcements")
    expect(c_list.get_by_test_id("announce-status")).to_have_text("お知らせはまだありません。")
    expect(c_list.get_by_test_id("announce-form")).to_have_count(0)
    c_one = c.open(address)
    expect(c_one.get_by_test_id("announce-status")).not_to_be_empty()
    expect(c_one.get_by_test_id("announcement")).to_have_count(0)
    expect(c_one.locator("body")).not_to_contain_text("健康診断")


def test_an_announcement_with_files_and_comments_live(kaisha: Kaisha, sign_in: SignIn) -> None:
    """An admin publishes to 経理部 with an image and a PDF, comments allowed;
    Doi (経理部, on a phone) sees the image (opening the viewer) and the PDF, is warned
    about a word in her comment and sends it anyway; the admin, on the
    announcement's page, sees her comment appear without reloading, then
    closes the comments (Doi's box goes, live); Endo (人事部) never sees it."""
    eigyo = kaisha.department("経理部", reading="けいりぶ")
    kaihatsu = kaisha.department("人事部", reading="じんじぶ")
    doi = kaisha.person("Doi", eigyo["id"])
    kaisha.person("Endo", kaihatsu["id"])
    kaisha.admin.call("PUT", "/api/words", {"entries": [{"word": "バカ", "level": "warn"}]})

    admin = sign_in(ADMIN_EMAIL, ADMIN_PASSWORD)
    page = admin.open("#/announcements")
    connected(page)
    form = page.get_by_test_id("announce-form")
    form.get_by_test_id("announce-title").fill("新しい経費ルール")
    form.get_by_test_id("announce-body").fill("来月から変わります")
    form.get_by_test_id("announce-company").uncheck()
    form.locator("label", has_text="経理部").get_by_test_id("announce-department").check()
    expect(form.get_by_test_id("announce-comments")).to_be_checked()
    pick(page, "announce-file-input", [SCREENSHOT, PDF_JA])
    expect(form.get_by_test_id("upload-tile")).to_have_count(2)
    form.get_by_test_id("announce-publish").click()
    listed = page.get_by_test_id("announcement").filter(has_text="新しい経費ルール")
    expect(listed).to_be_visible()
    expect(form.get_by_test_id("upload-tile")).to_have_count(0)
    listed.get_by_test_id("announcement-title").click()
    expect(page).to_have_url(re.compile(r"#/announcements/\d+$"))
    talk = page.get_by_test_id("announcement-talk")
    expect(talk.get_by_test_id("announcement-comments-status")).to_have_text("No comments yet.")
    address = "#" + page.url.split("#", 1)[1]

    # Doi reads it on a 360 px phone.
    b = sign_in(doi["email"], locale="ja-JP", viewport={"width": 360, "height": 740})
    mine = b.open(address)
    connected(mine)
    card = mine.get_by_test_id("announcement")
    expect(card.get_by_test_id("image-tile")).to_have_count(1)
    expect(card.get_by_test_id("file-name")).to_have_text([PDF_JA[0]])
    card.get_by_test_id("image-tile").click()
    viewer = mine.get_by_test_id("viewer")
    expect(viewer).to_be_visible()
    expect(viewer.get_by_test_id("viewer-name")).to_have_text(SCREENSHOT[0])
    mine.keyboard.press("Escape")
    expect(viewer).to_be_hidden()

    # Her comment, by keyboard: warned, then sent anyway.
    box = mine.get_by_test_id("announce-comment-input")
    box.fill("バカみたいに**簡単**ですね")
    box.press("Control+Enter")
    words = mine.get_by_test_id("announce-comment-words")
    expect(words).to_contain_text("傷つける")
    expect(mine.get_by_test_id("announcement-comment")).to_have_count(0)
    words.get_by_test_id("announce-comment-words-anyway").click()
    expect(mine.get_by_test_id("announcement-comment")).to_have_count(1)
    expect(box).to_have_value("")
    wide = mine.evaluate("document.scrollingElement.scrollWidth")
    assert wide <= 360, f"the page scrolls sideways on a phone: {wide}px"

    # The admin's page: it appears live, with the text rendered.
    comment = talk.get_by_test_id("announcement-comment")
    expect(comment).to_have_count(1)
    expect(comment.locator("strong", has_text="簡単")).to_be_visible()
    expect(comment).to_contain_text("Doi")

    # The admin closes the comments: Doi's box goes, her comment stays.
    edit = page.get_by_test_id("announce-edit")
    expect(edit.get_by_test_id("announce-edit-comments")).to_be_checked()
    edit.get_by_test_id("announce-edit-comments").uncheck()
    edit.get_by_test_id("announce-save").click()
    expect(mine.get_by_test_id("announce-comments-closed")).to_be_visible()
    expect(mine.get_by_test_id("announce-comment-box")).to_be_hidden()
    expect(mine.get_by_test_id("announcement-comment")).to_have_count(1)
    expect(mine.get_by_test_id("announcement-updated")).to_have_count(0)

    # Endo, in 人事部: nothing at its address, nor its files.
    c = sign_in("endo@example.com", locale="ja-JP")
    c_one = c.open(address)
    expect(c_one.get_by_test_id("announce-status")).not_to_be_empty()
    expect(c_one.get_by_test_id("announcement-talk")).to_have_count(0)
    expect(c_one.locator("body")).not_to_contain_text("経費")


def test_a_name_in_an_announcement_comment_is_picked_and_its_bell_opens_the_announcement(
    kaisha: Kaisha, sign_in: SignIn
) -> None:
    """Goto types `@ふじ` under an announcement, takes Fujita from the list by
    keyboard and sends; Fujita's bell says so in Japanese and opens that
    announcement, highlighted; its author (the admin) hears of the comment."""
    soumu = kaisha.department("防災推進室", reading="ぼうさいすいしんしつ")
    goto = kaisha.person("Goto", soumu["id"])
    fujita = kaisha.person("Fujita", soumu["id"], reading="ふじた")
    made = kaisha.admin.call(
        "POST",
        "/api/announcements",
        {"title": "防災訓練", "body": "来週です", "departments": [soumu["id"]]},
    )

    writer = sign_in(goto["email"], locale="ja-JP").open(f"#/announcements/{made['id']}")
    connected(writer)
    status = writer.get_by_test_id("announcement-comments-status")
    expect(status).to_have_text("まだコメントはありません。")
    box = writer.get_by_test_id("announce-comment-input")
    box.press_sequentially("了解です @ふじ")
    option = writer.get_by_test_id("mention-option").filter(has_text="Fujita")
    expect(option).to_be_visible()
    expect(option).to_have_attribute("aria-selected", "true")
    box.press("Enter")  # takes Fujita, sends nothing
    expect(writer.get_by_test_id("mention-list")).to_be_hidden()
    expect(box).to_have_value(f"了解です @[Fujita]({fujita['id']}) ")
    box.press("Control+Enter")
    comment = writer.get_by_test_id("announcement-comment")
    expect(comment.locator("a.mention")).to_have_text("@Fujita")

    reader = sign_in(fujita["email"], locale="ja-JP").open("#/")
    connected(reader)
    expect(reader.get_by_test_id("bell-count")).to_have_text("1")
    reader.get_by_test_id("bell").click()
    note = reader.get_by_test_id("notification").first
    expect(note).to_have_attribute("data-kind", "announcement_mention")
    expect(note).to_contain_text(
        "Gotoさんがお知らせ「防災訓練」へのコメントであなたをメンションしました"
    )
    note.locator("a").click()
    expect(reader).to_have_url(re.compile(rf"#/announcements/{made['id']}$"))
    card = reader.get_by_test_id("announcement")
    expect(card).to_have_attribute("data-highlighted", "true")
    expect(reader.get_by_test_id("announcement-comment")).to_have_count(1)

    author = kaisha.admin.call("GET", "/api/notifications")["notifications"]
    about = [n["kind"] for n in author if n["subject_id"] == made["id"]]
    assert about == ["announcement_comment"]
