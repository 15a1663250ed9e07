"""Events in the browser: an organiser creates an event of one seat in their
board-games group with the form; one member takes the seat (Japanese,
desktop), a second asks for it on a 360 px phone (English) and is put on the
waitlist; the first gives the seat up and the second, still looking at the
page, is going: live, with no reload, on both screens."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Kaisha, SignIn, connected

pytestmark = pytest.mark.browser


def test_the_second_person_waits_and_moves_up_live(kaisha: Kaisha, sign_in: SignIn) -> None:
    team = kaisha.department("企画部", reading="きかくぶ")
    for name in ("Organiser", "Aoi", "Ben"):
        kaisha.person(name, team["id"])
    group = kaisha.api_as("organiser@example.com").call(
        "POST", "/api/channels", {"name": "ボードゲーム部"}
    )
    for email in ("aoi@example.com", "ben@example.com"):
        kaisha.api_as(email).call("POST", f"/api/channels/{group['id']}/join")

    # The organiser creates it with the form.
    organiser = sign_in("organiser@example.com")
    page = organiser.open("#/events")
    connected(page)
    page.get_by_test_id("event-new").click()
    form = page.get_by_test_id("event-form")
    form.get_by_test_id("event-form-channel").select_option(str(group["id"]))
    form.get_by_test_id("event-form-title").fill("カタン大会")
    form.get_by_test_id("event-form-starts").fill("2030-05-10T18:00")
    form.get_by_test_id("event-form-ends").fill("2030-05-10T17:00")
    form.get_by_test_id("event-form-capacity").fill("1")
    form.get_by_test_id("event-form-save").click()
    expect(form.get_by_test_id("event-form-error")).to_contain_text("end after it starts")
    form.get_by_test_id("event-form-ends").fill("2030-05-10T21:00")
    form.get_by_test_id("event-form-place").fill("3F 会議室")
    form.get_by_test_id("event-form-save").click()
    expect(page.get_by_test_id("event-heading")).to_have_text("カタン大会")
    event_url = page.url.split("/", 3)[3]  # "#/events/<id>"

    # Aoi (Japanese, desktop) and Ben (English, a phone) open it.
    aoi = sign_in("aoi@example.com", locale="ja-JP").open(event_url)
    connected(aoi)
    ben = sign_in("ben@example.com", viewport={"width": 360, "height": 740}).open(event_url)
    connected(ben)
    expect(ben.get_by_test_id("event-place")).to_have_text("3F 会議室")
    expect(ben.get_by_test_id("event-answer-going")).to_be_visible()
    assert ben.evaluate("document.documentElement.scrollWidth") <= 360

    aoi.get_by_test_id("event-answer-going").click()
    expect(aoi.get_by_test_id("event-mine")).to_have_text("参加予定です")
    expect(ben.get_by_test_id("event-counts")).to_have_text("1 of 1 going")  # live

    ben.get_by_test_id("event-answer-going").click()
    expect(ben.get_by_test_id("event-mine")).to_have_text("You are on the waitlist (number 1)")
    expect(aoi.get_by_test_id("event-waitlist")).to_contain_text("Ben")  # live

    # Aoi gives the seat up: Ben, still on the page, is going.
    aoi.get_by_test_id("event-answer-no").click()
    expect(ben.get_by_test_id("event-mine")).to_have_text("You are going")
    expect(ben.get_by_test_id("event-going")).to_contain_text("Ben")
    expect(ben.get_by_test_id("event-waitlist")).to_have_count(0)
    expect(aoi.get_by_test_id("event-counts")).to_have_text("参加 1 / 定員 1")
    expect(page.get_by_test_id("event-going")).to_contain_text("Ben")  # the organiser's too


def test_the_bells_event_notification_opens_that_event(kaisha: Kaisha, sign_in: SignIn) -> None:
    """Moved up from the waitlist, Daiki clicks the bell's notification: the event
    itself opens (not the list), its card highlighted."""
    team = kaisha.department("総務部", reading="そうむぶ")
    for name in ("Host", "Chie", "Daiki"):
        kaisha.person(name, team["id"])
    organiser = kaisha.api_as("host@example.com")
    group = organiser.call("POST", "/api/channels", {"name": "将棋部"})
    for email in ("chie@example.com", "daiki@example.com"):
        kaisha.api_as(email).call("POST", f"/api/channels/{group['id']}/join")
    made = organiser.call(
        "POST",
        "/api/gatherings",
        {
            "channel_id": group["id"],
            "title": "将棋大会",
            "starts_at": "2030-05-10T09:00:00Z",
            "ends_at": "2030-05-10T12:00:00Z",
            "capacity": 1,
        },
    )
    chie = kaisha.api_as("chie@example.com")
    chie.call("PUT", f"/api/gatherings/{made['id']}/answer", {"answer": "going"})
    kaisha.api_as("daiki@example.com").call(
        "PUT", f"/api/gatherings/{made['id']}/answer", {"answer": "going"}
    )

    daiki = sign_in("daiki@example.com", viewport={"width": 360, "height": 740}).open("#/")
    connected(daiki)
    chie.call("PUT", f"/api/gatherings/{made['id']}/answer", {"answer": "no"})
    expect(daiki.get_by_test_id("bell-count")).to_have_text("1")
    daiki.get_by_test_id("bell").click()
    note = daiki.get_by_test_id("notification").first
    expect(note).to_have_attribute("data-kind", "event_moved_up")
    expect(note.locator("a")).to_have_attribute("href", f"#/events/{made['id']}")
    note.locator("a").click()
    expect(daiki.get_by_test_id("event-heading")).to_have_text("将棋大会")
    facts = daiki.get_by_test_id("event-facts")
    expect(facts).to_have_attribute("data-event-id", str(made["id"]))
    expect(facts).to_have_attribute("data-highlighted", "true")
    expect(daiki.get_by_test_id("event-mine")).to_have_text("You are going")
    expect(daiki.get_by_test_id("bell-count")).to_be_hidden()


def test_the_event_form_asks_about_a_warned_word_and_refuses_a_blocked_one(
    kaisha: Kaisha, sign_in: SignIn
) -> None:
    """The word check in the event form: a block word is refused (nothing made);
    a warn word shows the warning, Edit goes back to the field, Save anyway
    creates it."""
    team = kaisha.department("法務部", reading="ほうむぶ")
    kaisha.person("Eri", team["id"])
    group = kaisha.api_as("eri@example.com").call("POST", "/api/channels", {"name": "法務勉強会"})
    words = [{"word": "社外秘", "level": "warn"}, {"word": "死ね", "level": "block"}]
    kaisha.admin.call("PUT", "/api/words", {"entries": words})
    try:
        page = sign_in("eri@example.com", viewport={"width": 360, "height": 740}).open("#/events")
        connected(page)
        page.get_by_test_id("event-new").click()
        form = page.get_by_test_id("event-form")
        form.get_by_test_id("event-form-channel").select_option(str(group["id"]))
        form.get_by_test_id("event-form-title").fill("死ね")
        form.get_by_test_id("event-form-starts").fill("2030-06-10T18:00")
        form.get_by_test_id("event-form-ends").fill("2030-06-10T20:00")
        form.get_by_test_id("event-form-save").click()
        expect(form.get_by_test_id("event-form-error")).to_contain_text("does not allow")
        expect(form.get_by_test_id("event-form-title")).to_be_focused()

        form.get_by_test_id("event-form-title").fill("契約の読み方")
        form.get_by_test_id("event-form-description").fill("社外秘の資料を使います")
        form.get_by_test_id("event-form-save").click()
        error = form.get_by_test_id("event-form-error")
        expect(error).to_contain_text("may hurt someone")
        error.get_by_test_id("event-form-words-edit").click()
        expect(form.get_by_test_id("event-form-description")).to_be_focused()
        expect(error).to_be_hidden()
        form.get_by_test_id("event-form-save").click()
        error.get_by_test_id("event-form-words-anyway").press("Enter")  # by keyboard
        expect(page.get_by_test_id("event-heading")).to_have_text("契約の読み方")
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        listed = f"/api/gatherings?channel={group['id']}"
        made = kaisha.api_as("eri@example.com").call("GET", listed)["gatherings"]
        assert [g["title"] for g in made] == ["契約の読み方"]
    finally:
        kaisha.admin.call("PUT", "/api/words", {"entries": []})
