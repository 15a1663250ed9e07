"""Newcomers and mentors in the browser: an admin creates a newcomer in 開発部
starting today and picks a suggested mentor from 営業部; the newcomer signs
in (on a 360 px phone, in Japanese), lands on the welcome page with their
mentor and checklist; joining an interest group ticks its item live; the
mentor sees the newcomer and their progress on "My newcomers". And the admin
onboarding screen: an item added for a department reaches the checklist of
that department's newcomers, and nobody else's."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    PASSWORD,
    Kaisha,
    SignIn,
    connected,
    unique,
)

pytestmark = pytest.mark.browser


def test_a_newcomer_gets_a_mentor_a_welcome_page_and_a_live_checklist(
    kaisha: Kaisha, sign_in: SignIn
) -> None:
    dev = kaisha.department("開発部", reading="かいはつぶ")
    sales = kaisha.department("営業部", reading="えいぎょうぶ")
    tanaka = _person(kaisha, "tanaka", "田中 健", sales["id"])
    kato = _person(kaisha, "kato", "加藤 誠", dev["id"])
    groups_item = kaisha.admin.call(
        "POST",
        "/api/onboarding/checklist",
        {
            "department_id": dev["id"],
            "kind": "join_groups",
            "title": "趣味のグループに参加",
            "count": 1,
        },
    )
    kaisha.admin.call(
        "POST",
        "/api/onboarding/checklist",
        {"department_id": dev["id"], "kind": "manual", "title": "必読のお知らせを読む"},
    )

    # The admin creates the newcomer in 開発部, starting today.
    admin = sign_in(ADMIN_EMAIL, ADMIN_PASSWORD)
    page = admin.open("#/admin")
    page.get_by_text("Create an account").first.click()
    form = page.get_by_test_id("new-account-form")
    form.get_by_test_id("new-account-email").fill("sato@example.com")
    form.get_by_test_id("new-account-name").fill("佐藤 花子")
    form.get_by_test_id("new-account-reading").fill("さとう はなこ")
    form.get_by_test_id("new-account-password").fill("sato-hanako-2026")
    form.get_by_test_id("new-account-department").select_option(label="開発部")
    form.get_by_test_id("new-account-start").fill(date.today().isoformat())
    form.get_by_test_id("new-account-submit").click()
    account = page.get_by_test_id("account").filter(has_text="佐藤 花子")
    expect(account.get_by_test_id("newcomer-badge")).to_have_text("new")

    # The mentor picker: 営業部 first, with why; Kato (same department) after.
    account.get_by_test_id("account-mentors").click()
    picker = page.get_by_test_id("mentor-picker")
    first = picker.get_by_test_id("mentor-suggestion").first
    expect(first).to_have_attribute("data-user-id", str(tanaka["id"]))
    expect(first.get_by_test_id("mentor-why")).to_have_text(
        "other department · 0 shared groups · mentoring 0"
    )
    same = picker.locator(f"[data-testid=mentor-suggestion][data-user-id='{kato['id']}']")
    expect(same.get_by_test_id("mentor-why")).to_contain_text("same department")
    first.get_by_test_id("mentor-pick").click()
    expect(picker.get_by_test_id("mentor-chosen-item")).to_have_attribute(
        "data-user-id", str(tanaka["id"])
    )
    picker.get_by_test_id("mentor-save").click()
    # Not the account's "created" toast, which names her too: the save's.
    expect(page.get_by_test_id("toast")).to_contain_text("Mentors of 佐藤 花子 saved")
    newcomer_id = int(account.get_attribute("data-user-id") or 0)
    mentors = kaisha.admin.call("GET", f"/api/users/{newcomer_id}/mentors")
    assert [m["id"] for m in mentors] == [tanaka["id"]]

    # The newcomer signs in on a phone, in Japanese: the welcome page opens.
    newcomer = sign_in(None, locale="ja-JP", viewport={"width": 360, "height": 740})
    phone = newcomer.open("#/signin")
    phone.get_by_test_id("signin-email").fill("sato@example.com")
    phone.get_by_test_id("signin-password").fill("sato-hanako-2026")
    phone.get_by_test_id("signin-submit").click()
    expect(phone).to_have_url(re.compile(r"#/welcome$"))
    welcome = phone.get_by_test_id("welcome-page")
    expect(welcome.get_by_role("heading", level=1)).to_have_text("ようこそ、佐藤 花子さん!")
    expect(welcome.get_by_test_id("welcome-department")).to_have_text("開発部")
    expect(welcome.get_by_test_id("welcome-mentor")).to_contain_text("田中 健")
    expect(welcome.get_by_test_id("checklist-item")).to_have_count(2)
    expect(welcome.get_by_test_id("checklist-progress")).to_contain_text("0 / 2 完了")
    # Nothing sticks out of a 360 px screen.
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, width
    connected(phone)

    # Joining an interest group (from anywhere) ticks its item, live.
    go = kaisha.api_as(tanaka["email"]).call("POST", "/api/channels", {"name": "囲碁部"})
    kaisha.api_as("sato@example.com", "sato-hanako-2026").call(
        "POST", f"/api/channels/{go['id']}/join"
    )
    item = welcome.locator(f"[data-testid=checklist-item][data-item-id='{groups_item['id']}']")
    expect(item).to_have_attribute("data-done", "true")
    expect(welcome.get_by_test_id("checklist-progress")).to_contain_text("1 / 2 完了")
    # The manual one is hers to tick.
    manual = welcome.locator("[data-testid=checklist-item][data-kind=manual]")
    manual.get_by_test_id("checklist-box").check()
    expect(manual).to_have_attribute("data-done", "true")

    # While she is new, the welcome page stays in her menu.
    expect(newcomer.page.get_by_test_id("nav-welcome")).to_have_count(1)

    # The mentor sees her and her progress.
    mentor = sign_in(tanaka["email"])
    mine = mentor.open("#/")
    mine.get_by_test_id("nav-newcomers").click()
    card = mine.get_by_test_id("my-newcomer")
    expect(card).to_have_attribute("data-user-id", str(newcomer_id))
    expect(card.get_by_test_id("newcomer-badge")).to_be_visible()
    expect(card.get_by_test_id("newcomer-progress")).to_contain_text("2 / 2 done")
    # Her department was told she arrived, once (the welcome post names her mentor).
    posts = kaisha.admin.call("GET", f"/api/channels/{_channel_of(kaisha, dev['id'])}/posts")
    welcomes = [p for p in posts["posts"] if f"({newcomer_id})" in p["body"]]
    assert len(welcomes) == 1 and f"({tanaka['id']})" in welcomes[0]["body"]


def _person(kaisha: Kaisha, login: str, name: str, department_id: int) -> dict[str, Any]:
    person: dict[str, Any] = kaisha.admin.call(
        "POST",
        "/api/users",
        {
            "email": f"{login}@example.com",
            "display_name": name,
            "password": PASSWORD,
            "department_id": department_id,
        },
    )
    return person


def _channel_of(kaisha: Kaisha, department_id: int) -> int:
    found = kaisha.admin.call("GET", "/api/departments")
    return int(next(d["channel_id"] for d in found if d["id"] == department_id))


def test_an_admin_prepares_a_departments_checklist_its_newcomer_sees_it(
    kaisha: Kaisha, sign_in: SignIn
) -> None:
    legal = kaisha.department(unique("法務部"))
    other = kaisha.department(unique("総務部"))
    admin = sign_in(ADMIN_EMAIL, ADMIN_PASSWORD)
    page = admin.open("#/admin")
    section = page.locator("#admin-onboarding")
    form = section.get_by_test_id("item-form")
    form.get_by_test_id("item-department").select_option(label=legal["name"])
    form.get_by_test_id("item-kind").select_option("join_groups")
    expect(form.get_by_test_id("item-count")).to_be_visible()  # only for this kind
    form.get_by_test_id("item-kind").select_option("manual")
    expect(form.get_by_test_id("item-count")).to_be_hidden()
    form.get_by_test_id("item-title").fill("契約書の雛形を読む")
    form.get_by_test_id("item-add").click()
    listed = section.get_by_test_id("checklist-admin-item").filter(has_text="契約書の雛形を読む")
    expect(listed).to_contain_text(legal["name"])
    expect(form.get_by_test_id("item-title")).to_have_value("")
    assert admin.dialogs == []

    # A newcomer of that department sees it on her welcome page; one of
    # another department does not.
    today = date.today().isoformat()
    for login, dept in (("mori", legal), ("ueno", other)):
        kaisha.admin.call(
            "POST",
            "/api/users",
            {
                "email": f"{login}{dept['id']}@example.com",
                "display_name": f"{login.title()} {dept['id']}",
                "password": PASSWORD,
                "department_id": dept["id"],
                "start_date": today,
            },
        )
    mori = sign_in(f"mori{legal['id']}@example.com", viewport={"width": 360, "height": 740})
    welcome = mori.open("#/welcome").get_by_test_id("welcome-page")
    item = welcome.get_by_test_id("checklist-item").filter(has_text="契約書の雛形を読む")
    expect(item).to_have_attribute("data-kind", "manual")
    expect(item).to_have_attribute("data-done", "false")
    item.get_by_test_id("checklist-box").check()
    expect(item).to_have_attribute("data-done", "true")
    ueno = sign_in(f"ueno{other['id']}@example.com")
    welcome = ueno.open("#/welcome").get_by_test_id("welcome-page")
    expect(welcome.get_by_role("heading", level=1)).to_be_visible()
    expect(welcome).not_to_contain_text("契約書の雛形を読む")
