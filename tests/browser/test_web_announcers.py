"""Admin: naming announcers in the browser. An admin, on a 360 px phone and by
keyboard, finds a person by name, names them announcer for Sales; they can
then publish to Sales (and not to another department); the admin removes
them; they no longer can."""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, PASSWORD, Kaisha, SignIn

pytestmark = pytest.mark.browser


def _publish(kaisha: Kaisha, email: str, department_id: int) -> httpx.Response:
    """POST /api/announcements as ``email``: the raw answer."""
    api = kaisha.api_as(email, PASSWORD)
    try:
        body = {"title": "営業会議", "body": "月曜です", "departments": [department_id]}
        return api.client.post("/api/announcements", json=body)
    finally:
        api.close()


def test_an_admin_names_and_removes_an_announcer_for_sales(kaisha: Kaisha, sign_in: SignIn) -> None:
    sales = kaisha.department("Sales", reading="せーるす")
    other = kaisha.department("Legal", reading="りーがる")
    kaisha.person("Hanako", other["id"], reading="はなこ")
    kaisha.person("Hanae", other["id"], reading="はなえ")
    assert _publish(kaisha, "hanako@example.com", sales["id"]).status_code == 403

    page = sign_in(ADMIN_EMAIL, ADMIN_PASSWORD, viewport={"width": 360, "height": 740}).open(
        "#/admin"
    )
    section = page.get_by_test_id("admin-announcers")
    expect(section.get_by_test_id("announcers-none")).to_be_visible()
    search = section.get_by_test_id("announcer-search")
    search.focus()
    page.keyboard.type("Hanako")
    candidate = section.get_by_test_id("announcer-candidate")
    expect(candidate).to_have_count(1)
    page.keyboard.press("Tab")  # to the person found
    expect(candidate).to_be_focused()
    page.keyboard.press("Space")
    expect(candidate).to_be_checked()
    section.get_by_test_id("announcer-department").select_option(str(sales["id"]))
    section.get_by_test_id("announcer-department").focus()
    page.keyboard.press("Tab")
    expect(section.get_by_test_id("announcer-add")).to_be_focused()
    page.keyboard.press("Enter")
    listed = section.get_by_test_id("announcers-department")
    expect(listed).to_have_count(1)
    expect(listed).to_have_attribute("data-department-id", str(sales["id"]))
    expect(listed.get_by_test_id("announcer")).to_have_text("HanakoRemove")
    expect(search).to_have_value("")
    width = page.evaluate("document.getElementById('admin-announcers').scrollWidth")
    assert width <= 360

    # Hanako may publish to Sales now, and still not to another department.
    assert _publish(kaisha, "hanako@example.com", sales["id"]).status_code == 201
    assert _publish(kaisha, "hanako@example.com", other["id"]).status_code == 403
    assert _publish(kaisha, "hanae@example.com", sales["id"]).status_code == 403

    # Removed: the list says so, and she no longer may.
    remove = listed.get_by_test_id("announcer-remove")
    expect(remove).to_have_attribute("aria-label", "Remove Hanako as announcer for Sales")
    remove.focus()
    page.keyboard.press("Enter")
    expect(section.get_by_test_id("announcers-none")).to_be_visible()
    assert _publish(kaisha, "hanako@example.com", sales["id"]).status_code == 403
    assert kaisha.admin.call("GET", "/api/announcers") == {"announcers": []}
