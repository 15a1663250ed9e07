"""Administration pages (admins only): departments, accounts, invitation links;
and the people directory with its profile card."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, Kaisha, SignIn, unique

pytestmark = pytest.mark.browser


def test_admin_manages_departments_accounts_and_invitations(
    kaisha: Kaisha, sign_in: SignIn
) -> None:
    admin = sign_in(ADMIN_EMAIL, ADMIN_PASSWORD)
    page = admin.open("#/admin")
    expect(page.get_by_test_id("admin-page")).to_be_visible()

    # Departments: create, then rename.
    dept = unique("Finance")
    page.get_by_test_id("new-department-name").fill(dept)
    page.get_by_test_id("new-department-submit").click()
    expect(page.get_by_test_id("new-department-name")).to_have_value("")  # cleared once made
    dept_id = next(
        d["id"] for d in kaisha.admin.call("GET", "/api/departments") if d["name"] == dept
    )
    row = page.locator(f"[data-testid=department][data-department-id='{dept_id}']")
    expect(row.get_by_test_id("department-name")).to_have_value(dept)
    renamed = unique("Accounting")
    row.get_by_test_id("department-name").fill(renamed)
    row.get_by_test_id("department-rename").click()
    expect(page.get_by_test_id("toast")).to_contain_text(renamed)
    names = {d["name"] for d in kaisha.admin.call("GET", "/api/departments")}
    assert renamed in names and dept not in names

    # Accounts: create one in that department.
    name = unique("Noriko")
    page.get_by_text("Create an account").first.click()
    form = page.get_by_test_id("new-account-form")
    form.get_by_test_id("new-account-email").fill(f"{name.lower()}@example.com")
    form.get_by_test_id("new-account-name").fill(name)
    form.get_by_test_id("new-account-password").fill("a-long-password")
    form.get_by_test_id("new-account-department").select_option(label=renamed)
    form.get_by_test_id("new-account-submit").click()
    account = page.get_by_test_id("account").filter(has_text=name)
    expect(account).to_have_count(1)
    user_id = int(account.get_attribute("data-user-id") or 0)
    person = kaisha.admin.call("GET", f"/api/users/{user_id}")
    assert person["department"] == renamed and person["role"] == "member"

    # Change the role, then deactivate.
    account.get_by_test_id("account-role").select_option("moderator")
    expect(page.get_by_test_id("toast")).to_contain_text(name)
    account.get_by_test_id("account-active").uncheck()
    expect(account).to_have_class(re.compile(r"\binactive\b"))
    person = kaisha.admin.call("GET", f"/api/users/{user_id}")
    assert person["role"] == "moderator" and person["is_active"] is False

    # An invitation link, shown to copy; it opens the join page.
    page.get_by_test_id("invite-link-department").select_option(label=renamed)
    page.get_by_test_id("invite-link-submit").click()
    url = page.get_by_test_id("invite-link-url")
    expect(url).to_have_value(re.compile(r"^http://127\.0\.0\.1:\d+/#/invite/[\w-]+$"))
    visitor = sign_in(None)
    visitor.page.goto(url.input_value())
    expect(visitor.page.get_by_role("heading", name="Join Kaisha")).to_be_visible()
    expect(visitor.page.get_by_test_id("invite-page")).to_contain_text(renamed)


def test_people_directory_and_profile_card(kaisha: Kaisha, sign_in: SignIn) -> None:
    dept = kaisha.department(unique("Research"))
    yuki = kaisha.person(unique("Yuki"), dept["id"])
    viewer = kaisha.person(unique("Viewer"))
    page = sign_in(viewer["email"]).open("#/people")
    # Members see no admin pages.
    expect(page.get_by_test_id("nav-admin")).to_have_count(0)
    page.get_by_test_id("people-search").fill(yuki["display_name"])
    card = page.get_by_test_id("person")
    expect(card).to_have_count(1)
    expect(card).to_contain_text(dept["name"])
    expect(card).to_have_attribute("data-status", "offline")
    card.locator("button.person-card").click()
    profile = page.get_by_test_id("profile-card")
    expect(profile).to_contain_text(yuki["display_name"])
    # Emails are for admins and the person themself (unless SHOW_EMAILS=1).
    expect(profile).not_to_contain_text(yuki["email"])
    expect(profile).to_contain_text("Member")
    page.keyboard.press("Escape")
    expect(profile).to_have_count(0)
    page.goto("/#/admin")
    expect(page.get_by_test_id("not-found")).to_be_visible()
