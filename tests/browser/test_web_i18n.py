"""Languages: the interface follows the browser's language (ja* → Japanese,
anything else English), can be switched and remembers the choice; both
catalogues have the same messages."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ROOT, Kaisha, SignIn, connected, unique

pytestmark = pytest.mark.browser


def test_japanese_browser_gets_japanese(kaisha: Kaisha, sign_in: SignIn) -> None:
    dept = kaisha.department(unique("営業部"))
    hanako = kaisha.person(unique("Hanako"), dept["id"])
    visitor = sign_in(None, locale="ja-JP")
    page = visitor.open("#/")
    expect(page.get_by_role("heading", name="ログイン")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "ja")
    expect(page.get_by_label("メールアドレス")).to_be_visible()

    page.get_by_label("メールアドレス").fill(hanako["email"])
    page.get_by_label("パスワード").fill("correct-horse-battery")
    page.get_by_test_id("signin-submit").click()
    sidebar = page.get_by_test_id("sidebar")
    expect(sidebar.get_by_role("heading", name="部署")).to_be_visible()
    expect(sidebar.get_by_role("heading", name="趣味・関心グループ")).to_be_visible()
    expect(sidebar.get_by_test_id("status-toggle")).to_have_text("オンライン")
    # Signed in, the home feed; the department's channel is a click away.
    expect(page.get_by_role("heading", name="あなたのフィード")).to_be_visible()
    sidebar.locator(f"[data-testid=channel-link][data-channel-id='{dept['channel_id']}']").click()
    expect(page.get_by_test_id("channel-name")).to_contain_text(dept["name"])
    connected(page)
    page.get_by_test_id("composer-input").fill("こんにちは、**皆さん**")
    page.get_by_test_id("composer-input").press("Enter")
    post = page.get_by_test_id("timeline").get_by_test_id("post").first
    expect(post.get_by_test_id("post-body")).to_have_text("こんにちは、皆さん")
    expect(post.get_by_test_id("comment-count")).to_have_text("コメント 0 件")
    expect(post.get_by_test_id("like-button")).to_have_text("いいね")
    # Times in the Japanese 24-hour style, not "10:24 PM".
    expect(post.locator("time")).to_have_text(re.compile(r"^\d{1,2}:\d{2}$"))


def test_english_browser_gets_english_and_the_choice_is_remembered(
    kaisha: Kaisha, sign_in: SignIn
) -> None:
    person = kaisha.person(unique("Emma"))
    visitor = sign_in(None, locale="en-US")
    page = visitor.open("#/")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "en")

    page.get_by_label("Email").fill(person["email"])
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_test_id("signin-submit").click()
    sidebar = page.get_by_test_id("sidebar")
    expect(sidebar.get_by_role("heading", name="Departments")).to_be_visible()
    expect(sidebar.get_by_role("heading", name="Interest groups")).to_be_visible()

    sidebar.get_by_test_id("lang-select").select_option("ja")
    expect(sidebar.get_by_role("heading", name="部署")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "ja")
    page.reload()
    expect(page.get_by_test_id("sidebar").get_by_role("heading", name="部署")).to_be_visible()
    page.get_by_test_id("sidebar").get_by_test_id("lang-select").select_option("en")
    expect(
        page.get_by_test_id("sidebar").get_by_role("heading", name="Departments")
    ).to_be_visible()


def test_catalogues_have_the_same_messages(kaisha: Kaisha, sign_in: SignIn) -> None:
    page = sign_in(None).open("#/signin")
    expect(page.get_by_test_id("signin-page")).to_be_visible()
    missing = page.evaluate(
        """async () => {
            const en = (await import('/i18n/en.js')).default;
            const ja = (await import('/i18n/ja.js')).default;
            const base = (k) => k.replace(/\\.(zero|one|two|few|many|other)$/, '');
            const enKeys = new Set(Object.keys(en).map(base));
            const jaKeys = new Set(Object.keys(ja).map(base));
            const empty = [...Object.entries(en), ...Object.entries(ja)]
                .filter(([, v]) => typeof v !== 'string' || !v.trim()).map(([k]) => k);
            return {
                ja: [...enKeys].filter((k) => !jaKeys.has(k)),
                en: [...jaKeys].filter((k) => !enKeys.has(k)),
                empty,
            };
        }"""
    )
    assert missing == {"ja": [], "en": [], "empty": []}


def test_no_message_is_written_twice_in_a_catalogue() -> None:
    """A key written twice in one object literal silently keeps the last one
    (a welcome page's lead once replaced the password page's)."""
    for name in ("en", "ja"):
        text = (ROOT / "web" / "i18n" / f"{name}.js").read_text()
        keys = re.findall(r"^\s*'([^']+)':", text, re.M)
        assert len(keys) > 100
        twice = sorted({k for k in keys if keys.count(k) > 1})
        assert twice == [], f"{name}.js writes these twice"
