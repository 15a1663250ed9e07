"""First run: a server started without ADMIN_EMAIL prints a setup link; opening
it creates the administrator and signs them in. Signing out leaves only the
sign-in page."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Browser, expect

from tests.browser.conftest import KaishaServer
from tests.support.timing import deadline

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def fresh_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KaishaServer]:
    server = KaishaServer(tmp_path_factory.mktemp("first-run"), with_admin=False)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def test_first_run_link_creates_the_admin_and_signs_in(
    fresh_server: KaishaServer, browser: Browser
) -> None:
    link = fresh_server.invite_link()
    assert httpx.get(fresh_server.url + "/api/setup").json() == {"needs_setup": True}
    context = browser.new_context(locale="en-US")
    context.set_default_timeout(deadline(10) * 1000)
    try:
        page = context.new_page()
        # A signed-out visitor sees only the sign-in page, with a hint about setup.
        page.goto(fresh_server.url + "/#/people")
        expect(page.get_by_test_id("signin-page")).to_be_visible()
        expect(page.get_by_test_id("setup-note")).to_be_visible()
        expect(page.get_by_test_id("sidebar")).to_have_count(0)

        page.goto(link)
        expect(page.get_by_role("heading", name="Set up Kaisha")).to_be_visible()
        page.get_by_label("Email").fill("chief@example.com")
        page.get_by_label("Display name").fill("Chief Admin")
        page.get_by_label("Password").fill("a-long-password")
        page.get_by_test_id("invite-submit").click()

        expect(page.get_by_test_id("me-name")).to_have_text("Chief Admin")
        expect(page.get_by_test_id("nav-admin")).to_be_visible()
        expect(page.locator("html")).to_have_attribute("data-conn", "open")
        assert httpx.get(fresh_server.url + "/api/setup").json() == {"needs_setup": False}

        # The link worked once.
        page.goto(link)
        expect(page.get_by_test_id("invite-invalid")).to_be_visible()

        # Sign out, then sign back in through the form.
        page.goto(fresh_server.url + "/#/")
        page.get_by_test_id("sign-out").click()
        expect(page.get_by_test_id("signin-page")).to_be_visible()
        expect(page.get_by_test_id("signin-notice")).to_have_text("You have signed out.")
        page.goto(fresh_server.url + "/#/admin")
        expect(page.get_by_test_id("signin-page")).to_be_visible()
        page.get_by_label("Email").fill("chief@example.com")
        page.get_by_label("Password").fill("wrong-password")
        page.get_by_test_id("signin-submit").click()
        expect(page.get_by_test_id("signin-error")).to_have_text("Wrong email or password.")
        page.get_by_label("Password").fill("a-long-password")
        page.get_by_test_id("signin-submit").click()
        # Back where the visitor was headed before signing in.
        expect(page.get_by_test_id("admin-page")).to_be_visible()
    finally:
        context.close()
