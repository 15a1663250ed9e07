"""Surveys in the browser: an admin makes an anonymous survey for 総務部 in
the builder; two people of 総務部 see it marked in the sidebar and answer it
(one on a 360 px phone), each told first what is and is not recorded; the
admin watches the rate move live, sees the bars and the free text, no count
for a department of fewer than five, and downloads the CSV."""

from __future__ import annotations

import csv
import io

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, Kaisha, SignIn, connected

pytestmark = pytest.mark.browser


def test_an_anonymous_survey_answered_by_two_with_results_and_csv(
    kaisha: Kaisha, sign_in: SignIn
) -> None:
    soumu = kaisha.department("総務部", reading="そうむぶ")
    other = kaisha.department("経理部", reading="けいりぶ")
    ito = kaisha.person("Ito", soumu["id"])
    kato = kaisha.person("Kato", soumu["id"])
    outsider = kaisha.person("Mori", other["id"])

    # The admin builds it: a single choice and a free text, for 総務部 only.
    admin = sign_in(ADMIN_EMAIL, ADMIN_PASSWORD, locale="ja-JP")
    page = admin.open("#/surveys/new")
    connected(page)
    page.get_by_test_id("survey-make-title").fill("座席アンケート")
    expect(page.get_by_test_id("survey-make-anonymous")).to_be_checked()
    page.get_by_test_id("audience-departments").check()
    page.get_by_test_id("audience-list").get_by_text("総務部").click()
    first = page.get_by_test_id("q-edit").first
    first.get_by_test_id("q-text").fill("どの席が好きですか?")
    first.get_by_test_id("q-options").fill("窓側\n通路側")
    page.get_by_test_id("q-add").click()
    second = page.get_by_test_id("q-edit").nth(1)
    second.get_by_test_id("q-kind").select_option("text")
    second.get_by_test_id("q-text").fill("ご意見")
    second.get_by_test_id("q-required").uncheck()
    page.get_by_test_id("survey-make-submit").click()
    expect(page.get_by_test_id("survey-results-page")).to_be_visible()
    survey_id = int(page.url.split("/surveys/")[1].split("/")[0])
    expect(page.get_by_test_id("survey-rate-value")).to_contain_text("0%(2人中0人)")

    # Someone of another department sees nothing of it.
    mori = sign_in(outsider["email"], locale="ja-JP")
    theirs = mori.open("#/surveys")
    connected(theirs)
    expect(theirs.get_by_test_id("surveys-page")).to_be_visible()
    expect(theirs.get_by_test_id("survey-item")).to_have_count(0)
    expect(theirs.get_by_test_id("surveys-waiting")).to_be_hidden()

    # Two people answer; one on a phone.
    for person, choice, words, viewport in (
        (ito, "窓側", "明るくて良い", None),
        (kato, "通路側", "=HYPERLINK(1)", {"width": 360, "height": 740}),
    ):
        who = sign_in(person["email"], locale="ja-JP", viewport=viewport)
        mine = who.open("#/surveys")
        connected(mine)
        expect(mine.get_by_test_id("surveys-waiting")).to_have_text("1")
        card = mine.get_by_test_id("surveys-to-answer").get_by_test_id("survey-item")
        expect(card.get_by_test_id("survey-new")).to_be_visible()
        card.get_by_role("link", name="座席アンケート").click()
        records = mine.get_by_test_id("survey-records")
        expect(records).to_contain_text("氏名、アカウント、部署、回答した日時")
        expect(records).to_contain_text("5人未満")
        mine.get_by_test_id("survey-question").first.get_by_text(choice).click()
        mine.get_by_test_id("survey-text").fill(words)
        width = mine.evaluate("document.documentElement.scrollWidth")
        assert viewport is None or width <= 360, width
        mine.get_by_test_id("survey-submit").click()
        expect(mine.get_by_test_id("survey-done")).to_contain_text("ご回答ありがとうございました")
        expect(mine.get_by_test_id("surveys-waiting")).to_be_hidden()
        expect(page.get_by_test_id("survey-rate-value")).to_contain_text(
            "50%(2人中1人)" if person is ito else "100%(2人中2人)"
        )

    # The results, live on the admin's page: bars, free text, the small cell.
    options = page.get_by_test_id("result-option")
    expect(options.get_by_test_id("result-option-count")).to_have_text(["1件(50%)", "1件(50%)"])
    texts = page.get_by_test_id("result-texts")
    expect(texts.locator("li")).to_have_count(2)
    expect(texts).to_contain_text("明るくて良い")
    expect(page.get_by_test_id("survey-department")).to_contain_text("5人未満")

    # The CSV: UTF-8 with a BOM, a formula neutralised, no names.
    with page.expect_download() as info:
        page.get_by_test_id("survey-export").click()
    data = info.value.path().read_bytes()
    assert data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == ["#", "どの席が好きですか?", "ご意見"]
    assert sorted(r[1] for r in rows[1:]) == ["窓側", "通路側"]
    assert sorted(r[2] for r in rows[1:]) == ["'=HYPERLINK(1)", "明るくて良い"]
    assert "Ito" not in data.decode("utf-8-sig") and "Kato" not in data.decode("utf-8-sig")
    assert survey_id > 0 and admin.dialogs == [] and mori.dialogs == []


def test_the_survey_form_asks_about_a_warned_word_in_an_option(
    kaisha: Kaisha, sign_in: SignIn
) -> None:
    """A warn word in an option: the warning, and Save anyway sends the survey."""
    kaisha.admin.call("PUT", "/api/words", {"entries": [{"word": "社外秘", "level": "warn"}]})
    try:
        page = sign_in(ADMIN_EMAIL, ADMIN_PASSWORD).open("#/surveys/new")
        connected(page)
        page.get_by_test_id("survey-make-title").fill("資料の扱い")
        first = page.get_by_test_id("q-edit").first
        first.get_by_test_id("q-text").fill("どれを使いますか?")
        first.get_by_test_id("q-options").fill("公開資料\n社外秘資料")
        page.get_by_test_id("survey-make-submit").click()
        error = page.get_by_test_id("survey-make-error")
        expect(error).to_contain_text("may hurt someone")
        error.get_by_test_id("survey-make-words-edit").click()
        expect(first.get_by_test_id("q-options")).to_be_focused()
        page.get_by_test_id("survey-make-submit").click()
        error.get_by_test_id("survey-make-words-anyway").click()
        expect(page.get_by_test_id("survey-results-page")).to_be_visible()
    finally:
        kaisha.admin.call("PUT", "/api/words", {"entries": []})
