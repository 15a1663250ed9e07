"""Questions in the browser: an admin has made a newcomer in 開発部 with a
mentor from 営業部 (through the API); the newcomer signs in, asks an anonymous
question in 新人の質問箱 (told plainly before sending who still sees their
name); a member sees "匿名の新人" and answers; the newcomer marks the answer
and the question's state changes live for both; the checklist item ticks
itself. And on a 360 px phone: asking anonymously in the Q&A channel, the
mentor's waiting count in the menu, #/questions (oldest first, filters), an
answer from the list's thread and marking it, all fitting the screen."""

from __future__ import annotations

from datetime import date

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import (
    PASSWORD,
    Kaisha,
    SignIn,
    connected,
    following,
    post_locator,
    unique,
)

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 740}


def test_a_newcomer_asks_anonymously_and_resolves_it_live(kaisha: Kaisha, sign_in: SignIn) -> None:
    dev = kaisha.department("開発部", reading="かいはつぶ")
    sales = kaisha.department("営業部", reading="えいぎょうぶ")
    tanaka = kaisha.person("Tanaka", sales["id"])
    suzuki = kaisha.person("Suzuki", dev["id"])
    newcomer = kaisha.admin.call(
        "POST",
        "/api/users",
        {
            "email": "sato@example.com",
            "display_name": "佐藤 花子",
            "password": PASSWORD,
            "department_id": dev["id"],
            "start_date": date.today().isoformat(),
        },
    )
    kaisha.admin.call("PUT", f"/api/users/{newcomer['id']}/mentors", {"mentor_ids": [tanaka["id"]]})
    item = kaisha.admin.call(
        "POST",
        "/api/onboarding/checklist",
        {"department_id": dev["id"], "kind": "ask_question", "title": "メンターに質問する"},
    )
    box = kaisha.admin.call("POST", "/api/channels", {"name": "新人の質問箱", "qa": True})
    for email in ("sato@example.com", suzuki["email"]):
        kaisha.api_as(email).call("POST", f"/api/channels/{box['id']}/join")

    # The newcomer asks anonymously, told first who can still see her name.
    sato = sign_in("sato@example.com", locale="ja-JP")
    page = sato.open(f"#/c/{box['id']}")
    connected(page)
    following(page, box["id"])
    expect(page.get_by_test_id("qa-hint")).to_be_visible()
    notice = page.get_by_test_id("anonymous-notice")
    expect(notice).to_be_hidden()
    page.get_by_test_id("ask-anonymous").check()
    expect(notice).to_contain_text("管理者は名前を見ることができます")
    page.get_by_test_id("composer-input").fill("経費精算の締め日はいつですか?")
    page.get_by_test_id("composer-send").click()
    mine = post_locator(page, "経費精算の締め日")
    expect(mine.get_by_test_id("post-author")).to_have_text("匿名の新人")
    expect(mine.get_by_test_id("asked-anonymously")).to_be_visible()
    expect(mine.get_by_test_id("question-state")).to_have_text("未回答")
    expect(mine).not_to_contain_text("佐藤")

    # A member sees "匿名の新人", and answers in the thread.
    member = sign_in(suzuki["email"], locale="ja-JP")
    other = member.open(f"#/c/{box['id']}")
    connected(other)
    theirs = post_locator(other, "経費精算の締め日")
    expect(theirs.get_by_test_id("post-author")).to_have_text("匿名の新人")
    expect(theirs).not_to_contain_text("佐藤")
    expect(theirs.get_by_test_id("newcomer-badge")).to_have_count(0)
    theirs.get_by_test_id("comment-button").click()
    thread = other.get_by_test_id("thread-panel")
    thread.get_by_test_id("comment-composer-input").fill("毎月25日です")
    thread.get_by_test_id("comment-composer-send").click()
    expect(thread.get_by_test_id("comment").filter(has_text="毎月25日です")).to_be_visible()
    # Answered: live on both screens.
    expect(theirs.get_by_test_id("question-state")).to_have_text("回答あり")
    expect(mine.get_by_test_id("question-state")).to_have_text("回答あり")

    # The newcomer marks it as the answer: resolved, live for both.
    mine.get_by_test_id("comment-button").click()
    her_thread = page.get_by_test_id("thread-panel")
    answer = her_thread.get_by_test_id("comment").filter(has_text="毎月25日です")
    answer.get_by_test_id("mark-answer").click()
    expect(mine.get_by_test_id("question-state")).to_have_text("解決済み")
    expect(theirs.get_by_test_id("question-state")).to_have_text("解決済み")
    expect(answer.get_by_test_id("accepted-answer")).to_be_visible()
    accepted = thread.get_by_test_id("comment").filter(has_text="毎月25日です")
    expect(accepted.get_by_test_id("accepted-answer")).to_have_text("解決した回答")

    # Her checklist ticked itself.
    welcome = sato.open("#/welcome")
    ticked = welcome.locator(f"[data-testid=checklist-item][data-item-id='{item['id']}']")
    expect(ticked).to_have_attribute("data-done", "true")
    # The open questions page lists it, resolved, still anonymous.
    listing = member.open("#/questions")
    listing.get_by_test_id("questions-state").select_option("resolved")
    found = listing.get_by_test_id("question-item").filter(has_text="経費精算の締め日")
    expect(found).to_contain_text("匿名の新人")
    expect(found.get_by_test_id("question-state")).to_have_text("解決済み")


def test_the_qa_channel_and_the_questions_page_on_a_phone(kaisha: Kaisha, sign_in: SignIn) -> None:
    dev = kaisha.department(unique("開発二部"))
    sales = kaisha.department(unique("営業二部"))
    mentor = kaisha.person(unique("Mentor"), sales["id"])
    login = unique("shin")
    newcomer = kaisha.admin.call(
        "POST",
        "/api/users",
        {
            "email": f"{login}@example.com",
            "display_name": "新井 真",
            "password": PASSWORD,
            "department_id": dev["id"],
            "start_date": date.today().isoformat(),
        },
    )
    kaisha.admin.call("PUT", f"/api/users/{newcomer['id']}/mentors", {"mentor_ids": [mentor["id"]]})
    box = kaisha.admin.call("POST", "/api/channels", {"name": unique("質問箱"), "qa": True})
    for email in (f"{login}@example.com", mentor["email"]):
        kaisha.api_as(email).call("POST", f"/api/channels/{box['id']}/join")
    named = kaisha.api_as(f"{login}@example.com").call(
        "POST", f"/api/channels/{box['id']}/posts", {"body": "名前つき: 有給の申請方法は?"}
    )["post"]

    # The newcomer asks anonymously on a phone: the notice and the composer fit.
    asker = sign_in(f"{login}@example.com", locale="ja-JP", viewport=PHONE)
    page = asker.open(f"#/c/{box['id']}")
    connected(page)
    following(page, box["id"])
    expect(page.get_by_test_id("qa-hint")).to_be_visible()
    page.get_by_test_id("ask-anonymous").check()
    expect(page.get_by_test_id("anonymous-notice")).to_be_in_viewport()
    page.get_by_test_id("composer-input").fill("匿名: 社員証をなくしたら?")
    page.get_by_test_id("composer-send").click()
    mine = post_locator(page, "社員証をなくしたら")
    expect(mine.get_by_test_id("post-author")).to_have_text("匿名の新人")
    expect(mine.get_by_test_id("question-state")).to_have_text("未回答")
    _fits(page)

    # The mentor, on a phone: the menu counts the named question waiting on
    # him (not the anonymous one), and leads to #/questions.
    m = sign_in(mentor["email"], locale="ja-JP", viewport=PHONE)
    other = m.open(f"#/c/{box['id']}")
    connected(other)
    other.get_by_test_id("menu-button").click()
    expect(other.get_by_test_id("sidebar")).to_be_in_viewport()
    expect(other.get_by_test_id("questions-waiting")).to_have_text("1")
    other.get_by_test_id("nav-questions").click()
    listing = other.get_by_test_id("questions-page")
    expect(listing).to_be_visible()
    expect(other.get_by_test_id("sidebar")).not_to_be_in_viewport()
    items = listing.get_by_test_id("question-item")
    hidden = items.filter(has_text="社員証をなくしたら")
    expect(hidden).to_contain_text("匿名の新人")
    expect(hidden).not_to_contain_text("新井")
    _fits(other)
    listing.get_by_test_id("questions-channel").select_option(str(box["id"]))
    expect(items).to_have_count(2)
    expect(items.first).to_have_attribute("data-post-id", str(named["id"]))  # oldest first

    # He opens the anonymous one from the list and answers it in its thread.
    hidden.get_by_role("link").click()
    thread = other.get_by_test_id("thread-panel")
    expect(thread).to_be_visible()
    thread.get_by_test_id("comment-composer-input").fill("総務に届けてください")
    thread.get_by_test_id("comment-composer-send").click()
    expect(thread.get_by_test_id("comment").filter(has_text="総務に届けてください")).to_be_visible()
    _fits(other)

    # Live on her phone: answered; she marks the answer, resolved.
    expect(mine.get_by_test_id("question-state")).to_have_text("回答あり")
    mine.get_by_test_id("comment-button").click()
    answer = (
        page.get_by_test_id("thread-panel")
        .get_by_test_id("comment")
        .filter(has_text="総務に届けてください")
    )
    answer.get_by_test_id("mark-answer").click()
    expect(answer.get_by_test_id("accepted-answer")).to_be_visible()
    _fits(page)

    # The list, filtered to the unanswered, leaves it out.
    page = m.open("#/questions")
    listing = page.get_by_test_id("questions-page")
    listing.get_by_test_id("questions-channel").select_option(str(box["id"]))
    listing.get_by_test_id("questions-state").select_option("unanswered")
    expect(listing.get_by_test_id("question-item")).to_have_count(1)
    expect(listing.get_by_test_id("question-item")).to_contain_text("有給の申請方法")
    listing.get_by_test_id("questions-state").select_option("resolved")
    resolved = listing.get_by_test_id("question-item").filter(has_text="社員証をなくしたら")
    expect(resolved.get_by_test_id("question-state")).to_have_text("解決済み")
    _fits(page)
    assert asker.dialogs == [] and m.dialogs == []


def _fits(page: Page) -> None:
    """Nothing sticks out sideways of a 360 px screen."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], width
