"""Usage analytics in the browser: a company of three departments works
through the API, the server's analytics job (every second here) computes the
report, and an admin opens #/analytics: the SVG charts draw (active people,
the department heat map with its suppressed cells, the cross-department
index), a feature nobody used is flagged and one not built yet is marked so,
in English, in Japanese and on a 360 px phone (screenshots of each); a
member is told the page is not theirs."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Kaisha, SignIn, start_kaisha, wait_until

pytestmark = pytest.mark.browser

# Where the screenshots go: a temporary folder, or KAISHA_SCREENSHOTS (the
# docs/screenshots/analytics-*.png files were made so).
SHOTS = os.environ.get("KAISHA_SCREENSHOTS")


@pytest.fixture(scope="module")
def kaisha(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Kaisha]:
    """The module's server, with the analytics job every second."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ANALYTICS_INTERVAL", "1")
        yield from start_kaisha(tmp_path_factory.mktemp("kaisha"))


@pytest.fixture(scope="module")
def seeded(kaisha: Kaisha) -> dict[str, int]:
    """開発部 and 営業部 with five people each, 法務部 with two: everyone posts
    in their department, 営業部 comments on and likes a post in a group
    that 開発部's first person made, and they all joined, and one of 法務部."""
    depts = {n: kaisha.department(n) for n in ("開発部", "営業部", "法務部")}
    people: dict[str, list[str]] = {}
    for dept, names in (
        ("開発部", ["Aoki", "Baba", "Chiba", "Doi", "Endo"]),
        ("営業部", ["Fujii", "Goto", "Hara", "Ishii", "Jono"]),
        ("法務部", ["Kato", "Mori"]),
    ):
        people[dept] = [kaisha.person(n, depts[dept]["id"])["email"] for n in names]
    channels = kaisha.admin.call("GET", "/api/channels")
    by_dept = {c["department_id"]: c["id"] for c in channels if c["department_id"]}
    for dept, emails in people.items():
        for email in emails:
            api = kaisha.api_as(email)
            api.call(
                "POST", f"/api/channels/{by_dept[depts[dept]['id']]}/posts", {"body": "おはよう"}
            )
    host = kaisha.api_as(people["開発部"][0])
    group = host.call("POST", "/api/channels", {"name": "ランチ部"})
    post = host.call("POST", f"/api/channels/{group['id']}/posts", {"body": "ランチ行く人?"})
    for email in people["営業部"]:
        api = kaisha.api_as(email)
        api.call("POST", f"/api/channels/{group['id']}/join")
        api.call("POST", f"/api/posts/{post['post']['id']}/comments", {"body": "行きます"})
        api.call("PUT", f"/api/posts/{post['post']['id']}/like", {})
    # 法務部 and 開発部 share the group through two people: fewer than 5.
    kaisha.api_as(people["法務部"][0]).call("POST", f"/api/channels/{group['id']}/join")
    return {"departments": len(depts)}


def _ready(kaisha: Kaisha) -> bool:
    report = kaisha.admin.call("GET", "/api/analytics")
    return bool(report["days"]) and report["days"][-1]["people"] == 12


def _shoot(page_: object, tmp_path: Path, name: str) -> None:
    folder = Path(SHOTS) if SHOTS else tmp_path
    path = folder / f"{name}.png"
    page_.screenshot(path=str(path), full_page=True)  # type: ignore[attr-defined]
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_charts_draw_in_english_japanese_and_on_a_phone(
    kaisha: Kaisha, seeded: dict[str, int], sign_in: SignIn, tmp_path: Path
) -> None:
    admin = sign_in("admin@example.com", "amber lantern harbor")
    page = admin.open("#/admin")
    wait_until(page, lambda: _ready(kaisha), "the analytics job's round", seconds=30)
    page.get_by_test_id("admin-analytics-link").click()
    expect(page.get_by_test_id("analytics-page")).to_be_visible()
    for chart in ("chart-days", "chart-weeks", "chart-months", "chart-matrix", "chart-index"):
        expect(page.get_by_test_id(chart)).to_be_visible()
    n = seeded["departments"]
    cells = page.get_by_test_id("heat-cell")
    expect(cells).to_have_count(n * n)
    # 法務部's rows and columns: fewer than 5 people, drawn as such.
    expect(page.locator('[data-testid="heat-cell"][data-suppressed="true"]').first).to_be_visible()
    files = page.locator('[data-testid="feature-row"][data-feature="files"]')
    expect(files.get_by_test_id("feature-flag")).to_have_text("Nobody uses it")
    polls = page.locator('[data-testid="feature-row"][data-feature="polls"]')
    expect(polls.get_by_test_id("feature-flag")).to_have_text("Nobody uses it")
    posts = page.locator('[data-testid="feature-row"][data-feature="posts"]')
    expect(posts.locator("td").first).to_have_text("12")
    _shoot(page, tmp_path, "analytics-desktop-en")
    page.get_by_test_id("analytics-across").scroll_into_view_if_needed()
    _shoot(page, tmp_path, "analytics-matrix-desktop-en")
    # The survey link, once set, is offered where nobody uses a feature.
    page.get_by_test_id("analytics-survey-url").fill("#/c/1")
    page.get_by_test_id("analytics-survey-save").click()
    expect(files.get_by_test_id("analytics-survey-link")).to_have_attribute("href", "#/c/1")

    ja = sign_in("admin@example.com", "amber lantern harbor", locale="ja-JP")
    jpage = ja.open("#/analytics")
    expect(jpage.get_by_role("heading", name="利用状況の分析")).to_be_visible()
    expect(jpage.get_by_test_id("chart-matrix")).to_be_visible()
    expect(jpage.get_by_test_id("analytics-departments-table")).to_contain_text("5人未満")
    _shoot(jpage, tmp_path, "analytics-desktop-ja")

    for locale, name in (("ja-JP", "analytics-phone-ja"), ("en-US", "analytics-phone-en")):
        phone = sign_in(
            "admin@example.com",
            "amber lantern harbor",
            locale=locale,
            viewport={"width": 360, "height": 740},
        )
        ppage = phone.open("#/analytics")
        expect(ppage.get_by_test_id("chart-index")).to_be_visible()
        wide = ppage.evaluate("document.scrollingElement.scrollWidth")
        assert wide <= 360, f"the page scrolls sideways on a phone: {wide}px"
        box = ppage.get_by_test_id("chart-days").bounding_box()
        assert box is not None and box["width"] <= 360
        _shoot(ppage, tmp_path, name)
        ppage.get_by_test_id("chart-matrix").scroll_into_view_if_needed()
        _shoot(ppage, tmp_path, name.replace("analytics-", "analytics-matrix-"))


def test_a_member_is_told_the_page_is_not_theirs(kaisha: Kaisha, sign_in: SignIn) -> None:
    member = kaisha.person("Nakano")
    page = sign_in(member["email"]).open("#/analytics")
    expect(page.get_by_test_id("analytics-page")).to_have_count(0)
    expect(page.get_by_text("administrators", exact=False).first).to_be_visible()
