"""Terms of use and the word check in the browser (a server of its own: the
terms published here are in force for everyone on it). A person who has not
accepted the terms sees them, and cannot post until they accept them (in the
browser; then posting works), in every open tab the moment a new version is
published. The warn-level word check shows its notice in Japanese before
anything is sent, and "send anyway" posts it; a block-level word is refused."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    Kaisha,
    SignIn,
    connected,
    post_locator,
    unique,
)

pytestmark = pytest.mark.browser


def test_a_person_posts_only_after_accepting_the_terms(kaisha: Kaisha, sign_in: SignIn) -> None:
    dept = kaisha.department(unique("総務部"))
    aiko = kaisha.person(unique("Aiko"), dept["id"])
    starting = kaisha.admin.call("GET", "/api/terms/starting")
    kaisha.admin.call("POST", "/api/terms/versions", {"body": starting["ja"]})

    a = sign_in(aiko["email"], locale="ja-JP")
    page = a.open(f"#/c/{dept['channel_id']}")
    connected(page)
    # The terms are shown at once, to be accepted.
    dialog = page.get_by_test_id("terms-dialog")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_test_id("terms-body")).to_contain_text("ハラスメント")
    expect(dialog.get_by_test_id("terms-body")).to_contain_text("利用停止")
    # "Later": reading stays open, but no composer until they are accepted.
    dialog.get_by_test_id("terms-later").click()
    expect(dialog).to_have_count(0)
    expect(page.get_by_test_id("composer-input")).to_have_count(0)
    bar = page.get_by_test_id("terms-bar")
    expect(bar).to_contain_text("利用規約")
    # One click away from every page: the sidebar's link.
    expect(page.get_by_test_id("nav-terms")).to_have_attribute("href", "#/terms")

    bar.get_by_test_id("terms-bar-open").click()
    page.get_by_test_id("terms-dialog").get_by_test_id("terms-accept").click()
    expect(page.get_by_test_id("terms-dialog")).to_have_count(0)
    body = unique("同意しました ")
    page.get_by_test_id("composer-input").fill(body)
    page.get_by_test_id("composer-input").press("Enter")
    expect(post_locator(page, body)).to_have_count(1)
    expect(page.get_by_test_id("pending-post")).to_have_count(0)

    # A new version reaches the open tab at once: the composer goes, the terms show.
    kaisha.admin.call("POST", "/api/terms/versions", {"body": starting["en"]})
    expect(page.get_by_test_id("terms-dialog")).to_be_visible()
    expect(page.get_by_test_id("terms-body")).to_contain_text("Harassment")
    expect(page.get_by_test_id("composer-input")).to_have_count(0)
    page.get_by_test_id("terms-accept").click()
    expect(page.get_by_test_id("composer-input")).to_be_visible()

    # The admins see who accepted.
    listed = kaisha.admin.call("GET", "/api/terms/acceptances")
    assert aiko["id"] in [p["user_id"] for p in listed["accepted"]]


def test_a_warn_level_word_asks_in_japanese_before_sending(kaisha: Kaisha, sign_in: SignIn) -> None:
    dept = kaisha.department(unique("営業部"))
    ken = kaisha.person(unique("Ken"), dept["id"])
    version = kaisha.admin.call("GET", "/api/terms")["version"]
    if version:
        kaisha.api_as(ken["email"]).call("POST", "/api/terms/accept", {"version": version})
    kaisha.admin.call(
        "PUT",
        "/api/words",
        {"entries": [{"word": "社外秘", "level": "warn"}, {"word": "死ね", "level": "block"}]},
    )
    k = sign_in(ken["email"], locale="ja-JP")
    page = k.open(f"#/c/{dept['channel_id']}")
    connected(page)
    composer = page.get_by_test_id("composer-input")

    # Warn: the notice comes before anything is sent.
    body = unique("この資料は社 外 秘です ")
    composer.fill(body)
    composer.press("Enter")
    note = page.get_by_test_id("composer-note")
    expect(note).to_contain_text("この表現は相手を傷つける可能性があります")
    expect(page.get_by_test_id("pending-post")).to_have_count(0)
    expect(post_locator(page, body)).to_have_count(0)
    expect(composer).to_have_value(body.strip())
    # Edit goes back to the text; sending again asks again.
    page.get_by_test_id("composer-edit").click()
    expect(note).to_be_hidden()
    composer.press("Enter")
    expect(note).to_contain_text("この表現は相手を傷つける可能性があります")
    page.get_by_test_id("composer-words-anyway").click()
    expect(post_locator(page, body)).to_have_count(1)
    expect(page.get_by_test_id("pending-post")).to_have_count(0)
    expect(composer).to_have_value("")

    # An ordinary word that holds nothing listed goes straight through.
    plain = unique("社外の方との打ち合わせ ")
    composer.fill(plain)
    composer.press("Enter")
    expect(post_locator(page, plain)).to_have_count(1)

    # Block: refused, with no way to send it anyway.
    blocked = unique("もう死ね ")
    composer.fill(blocked)
    composer.press("Enter")
    expect(note).to_contain_text("投稿できません")
    expect(page.get_by_test_id("composer-words-anyway")).to_have_count(0)
    expect(post_locator(page, blocked)).to_have_count(0)


def test_a_word_an_admin_adds_on_the_words_screen_is_warned_in_the_composer(
    kaisha: Kaisha, sign_in: SignIn
) -> None:
    dept = kaisha.department(unique("開発部"))
    rin = kaisha.person(unique("Rin"), dept["id"])
    version = kaisha.admin.call("GET", "/api/terms")["version"]
    if version:  # the terms an earlier test published, accepted by both
        kaisha.api_as(rin["email"]).call("POST", "/api/terms/accept", {"version": version})
        kaisha.admin.call("POST", "/api/terms/accept", {"version": version})
    before = kaisha.admin.call("GET", "/api/words")["entries"]
    word = "ぽんこつ"
    try:
        # The admin adds a warn-level word on Admin → Word check and saves.
        admin = sign_in(ADMIN_EMAIL, ADMIN_PASSWORD, locale="ja-JP").open("#/admin")
        words = admin.get_by_test_id("admin-words")
        warn = words.get_by_test_id("words-warn")
        expect(words.get_by_test_id("words-state")).not_to_be_empty()
        warn.fill(f"{warn.input_value()}\n{word}".strip())
        words.get_by_test_id("words-save").click()
        expect(admin.get_by_test_id("toast")).to_contain_text("保存しました")
        assert {"word": word, "level": "warn"} in kaisha.admin.call("GET", "/api/words")["entries"]

        # In the composer, the new word is warned before anything is sent,
        # written in katakana and half-width as much as it was listed.
        page = sign_in(rin["email"], locale="ja-JP").open(f"#/c/{dept['channel_id']}")
        connected(page)
        composer = page.get_by_test_id("composer-input")
        body = unique("この設計はﾎﾟﾝｺﾂだ ")
        composer.fill(body)
        composer.press("Enter")
        expect(page.get_by_test_id("composer-note")).to_contain_text(
            "この表現は相手を傷つける可能性があります"
        )
        expect(post_locator(page, body.strip())).to_have_count(0)
        page.get_by_test_id("composer-words-anyway").click()
        expect(post_locator(page, body.strip())).to_have_count(1)
    finally:
        kaisha.admin.call("PUT", "/api/words", {"entries": before})


def test_a_name_chosen_at_an_invitation_is_word_checked(kaisha: Kaisha, sign_in: SignIn) -> None:
    before = kaisha.admin.call("GET", "/api/words")["entries"]
    kaisha.admin.call(
        "PUT",
        "/api/words",
        {"entries": [{"word": "バカ", "level": "warn"}, {"word": "死ね", "level": "block"}]},
    )
    try:
        email = f"{unique('newhire').lower()}@example.com"
        token = kaisha.admin.call("POST", "/api/invites", {"email": email})["token"]
        page = sign_in(None, locale="ja-JP").open(f"#/invite/{token}")
        name = page.get_by_test_id("invite-name")
        page.get_by_test_id("invite-password").fill("welcome-aboard")
        error = page.get_by_test_id("invite-error")
        # Blocked: refused, and no way to keep it.
        name.fill("死ね 太郎")
        page.get_by_test_id("invite-submit").click()
        expect(error).to_contain_text("書き直してください")
        expect(page.get_by_test_id("invite-words-anyway")).to_have_count(0)
        # Warned: the notice, then "save anyway" creates the account.
        name.fill("山田 バカ")
        page.get_by_test_id("invite-submit").click()
        expect(error).to_contain_text("この表現は相手を傷つける可能性があります")
        assert email not in [p["email"] for p in kaisha.admin.call("GET", "/api/users")]
        page.get_by_test_id("invite-words-anyway").click()
        expect(page.get_by_test_id("me-name")).to_have_text("山田 バカ")
    finally:
        kaisha.admin.call("PUT", "/api/words", {"entries": before})
