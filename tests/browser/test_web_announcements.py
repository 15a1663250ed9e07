"""Announcements in the browser: an admin publishes a must-read announcement to
two departments from the form; a person in each sees it pinned on home (one
of them live, home already open) and presses 確認しました; the admin, on the
announcement's page, watches the rate go 0% → 50% → 100% live; a person in a
third department never sees it, on home, in the list or at its address."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, Kaisha, SignIn, connected

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
