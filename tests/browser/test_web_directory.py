"""The channel directory: private groups stay invisible to non-members (in the
list and by direct URL) until a member invites them; public groups can be
created, joined and left from the page."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Kaisha, SignIn, connected, post_locator, unique

pytestmark = pytest.mark.browser


def test_private_group_is_invisible_to_non_members(kaisha: Kaisha, sign_in: SignIn) -> None:
    alice = kaisha.person(unique("Alice"))
    bob = kaisha.person(unique("Bob"))
    as_alice = kaisha.api_as(alice["email"])
    secret = as_alice.call(
        "POST",
        "/api/channels",
        {"name": unique("Secret project "), "description": "hush", "is_private": True},
    )
    garden = as_alice.call(
        "POST", "/api/channels", {"name": unique("Garden club "), "description": "plants"}
    )

    b = sign_in(bob["email"])
    page = b.open("#/directory")
    results = page.get_by_test_id("directory-results")
    expect(results.get_by_text(garden["name"])).to_be_visible()
    expect(results.get_by_test_id("directory-channel")).not_to_have_count(0)
    expect(page.get_by_text(secret["name"])).to_have_count(0)
    page.get_by_test_id("directory-search").fill(secret["name"])
    expect(page.get_by_test_id("directory-empty")).to_be_visible()
    expect(page.get_by_text(secret["name"])).to_have_count(0)

    # By direct URL: the same "not found" as for a channel that does not exist.
    page.goto(f"/#/c/{secret['id']}")
    expect(page.get_by_test_id("not-found")).to_be_visible()
    expect(page.get_by_test_id("timeline")).to_have_count(0)
    page.goto(f"/#/c/{secret['id']}/p/1")
    expect(page.get_by_test_id("not-found")).to_be_visible()
    expect(page.get_by_test_id("sidebar").get_by_text(secret["name"])).to_have_count(0)

    # Alice invites Bob from the channel page; then Bob can see and open it.
    a = sign_in(alice["email"])
    a.open(f"#/c/{secret['id']}")
    expect(a.page.get_by_test_id("private-tag")).to_be_visible()
    a.page.get_by_test_id("invite-people").click()
    dialog = a.page.get_by_test_id("invite-people-dialog")
    dialog.get_by_test_id("invite-search").fill(bob["display_name"])
    dialog.locator(f"[data-testid=invite-candidate][data-user-id='{bob['id']}']").check()
    dialog.get_by_test_id("invite-people-submit").click()
    expect(dialog).to_have_count(0)

    page.goto(f"/#/c/{secret['id']}")
    page.reload()
    expect(page.get_by_test_id("channel-name")).to_contain_text(secret["name"])
    expect(page.get_by_test_id("sidebar").get_by_text(secret["name"])).to_be_visible()


def test_create_join_and_leave_groups(kaisha: Kaisha, sign_in: SignIn) -> None:
    carol = kaisha.person(unique("Carol"))
    dave = kaisha.person(unique("Dave"))
    c = sign_in(carol["email"])
    page = c.open("#/directory")
    page.get_by_test_id("create-group-toggle").click()
    name = unique("Board games ")
    page.get_by_label("Name").fill(name)
    page.get_by_label("Description").fill("Friday evenings")
    page.get_by_test_id("create-group-submit").click()
    expect(page.get_by_test_id("channel-name")).to_contain_text(name)
    expect(page.get_by_test_id("sidebar").get_by_test_id("group-channels")).to_contain_text(name)
    connected(page)

    d = sign_in(dave["email"])
    d.open("#/directory")
    d.page.get_by_test_id("directory-search").fill(name)
    card = d.page.get_by_test_id("directory-channel").filter(has_text=name)
    expect(card.get_by_test_id("member-count")).to_have_text("1 member")
    expect(card).to_contain_text("Friday evenings")
    card.get_by_test_id("join-button").click()
    expect(card.get_by_test_id("leave-button")).to_be_visible()
    expect(card.get_by_test_id("member-count")).to_have_text("2 members")
    sidebar_link = d.page.get_by_test_id("group-channels").get_by_text(name)
    expect(sidebar_link).to_be_visible()

    # Carol's open channel hears about the new member.
    expect(page.get_by_test_id("members-toggle")).to_contain_text("2 members")
    sidebar_link.click()
    connected(d.page)
    hello = unique("Hi all ")
    d.page.get_by_test_id("composer-input").fill(hello)
    d.page.get_by_test_id("composer-input").press("Enter")
    expect(post_locator(page, hello)).to_have_count(1)

    d.page.get_by_test_id("leave-channel").click()
    expect(d.page.get_by_test_id("join-channel")).to_be_visible()
    expect(d.page.get_by_test_id("group-channels").get_by_text(name)).to_have_count(0)
    expect(page.get_by_test_id("members-toggle")).to_contain_text("1 member")
