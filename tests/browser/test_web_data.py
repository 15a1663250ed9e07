"""Retention and export in the browser: an admin sets a channel's retention
in Japanese (a bad number is explained, nothing saved), and a member
downloads their own data from Settings in English."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, Kaisha, SignIn, unique

pytestmark = pytest.mark.browser


def test_an_admin_sets_a_channels_retention(kaisha: Kaisha, sign_in: SignIn) -> None:
    name = unique("雑談")
    group = kaisha.admin.call("POST", "/api/channels", {"name": name})
    admin = sign_in(ADMIN_EMAIL, ADMIN_PASSWORD, locale="ja-JP")
    page = admin.open("#/admin")
    section = page.get_by_test_id("admin-data")
    expect(section.get_by_role("heading", name="保存期間とエクスポート")).to_be_visible()
    row = section.locator(f"[data-testid=retention-row][data-id='{group['id']}']")
    expect(row.get_by_test_id("retention-status")).to_have_text("無期限に保存")
    days = row.get_by_test_id("retention-days")
    days.fill("0")
    row.get_by_test_id("retention-save").click()
    expect(section.get_by_test_id("retention-error")).to_contain_text("1〜36,500 の整数")
    assert kaisha.admin.call("GET", "/api/retention")[0]["days"] is None
    days.fill("30")
    days.press("Enter")
    expect(row.get_by_test_id("retention-status")).to_have_text("30日後に削除")
    rules = {r["channel_id"]: r["days"] for r in kaisha.admin.call("GET", "/api/retention")}
    assert rules[group["id"]] == 30
    expect(section.get_by_test_id("network-export")).to_have_attribute("href", "/api/export")


def test_a_member_downloads_their_own_data(kaisha: Kaisha, sign_in: SignIn) -> None:
    person = kaisha.person(unique("Mika"))
    group = kaisha.api_as(person["email"]).call("POST", "/api/channels", {"name": unique("Books")})
    body = unique("my words")
    kaisha.api_as(person["email"]).call(
        "POST", f"/api/channels/{group['id']}/posts", {"body": body}
    )
    member = sign_in(person["email"])
    page = member.open("#/settings")
    link = page.get_by_test_id("my-data-download")
    expect(link).to_have_text("Download my data")
    with page.expect_download() as made:
        link.click()
    download = made.value
    assert download.suggested_filename.startswith("kaisha-my-data-")
    data = json.loads(download.path().read_text(encoding="utf-8"))
    assert data["profile"]["email"] == person["email"]
    assert [p["body"] for p in data["posts"]] == [body]
