"""The channel directory: private groups stay invisible to non-members (in the
list and by direct URL) until a member invites them; public groups can be
created, joined and left from the page."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Kaisha, SignIn, connected, post_locator, unique
from tests.support.timing import deadline

pytestmark = pytest.mark.browser

# "Within a few seconds": live changes must not wait for a poll or a reload.
LIVE_MS = deadline(5) * 1000


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


def test_an_invitation_reaches_the_sidebar_live(kaisha: Kaisha, sign_in: SignIn) -> None:
    """The server's ``membership`` frame, not a reload or a poll, updates the
    sidebar; leaving on another device closes the open private group."""
    erin = kaisha.person(unique("Erin"))
    frank = kaisha.person(unique("Frank"))
    as_erin = kaisha.api_as(erin["email"])
    group = as_erin.call(
        "POST", "/api/channels", {"name": unique("Skunkworks "), "is_private": True}
    )
    invite = {"user_ids": [frank["id"]]}

    f = sign_in(frank["email"])
    page = f.open("#/")
    connected(page)
    groups = page.get_by_test_id("group-channels")
    link = groups.get_by_text(group["name"], exact=True)
    expect(groups).to_contain_text("Find groups to join")
    page.evaluate("window.sameDocument = true")  # gone if the page reloads

    as_erin.call("POST", f"/api/channels/{group['id']}/invite", invite)
    expect(link).to_be_visible(timeout=LIVE_MS)
    assert page.evaluate("window.sameDocument === true")

    link.click()
    expect(page.get_by_test_id("channel-name")).to_contain_text(group["name"])
    expect(page.get_by_test_id("private-tag")).to_be_visible()

    # Frank leaves on another device: this page shows that he is out.
    kaisha.api_as(frank["email"]).call("POST", f"/api/channels/{group['id']}/leave")
    expect(page.get_by_test_id("not-found")).to_contain_text("no longer a member", timeout=LIVE_MS)
    expect(link).to_have_count(0)
    expect(page.get_by_test_id("timeline")).to_have_count(0)

    # Invited again while looking at that page: the group opens by itself.
    as_erin.call("POST", f"/api/channels/{group['id']}/invite", invite)
    expect(page.get_by_test_id("channel-name")).to_contain_text(group["name"], timeout=LIVE_MS)
    expect(link).to_be_visible()
    expect(page.get_by_test_id("composer-input")).to_be_visible()
    assert page.evaluate("window.sameDocument === true")


def test_the_creator_renames_a_group_and_members_see_it_live(
    kaisha: Kaisha, sign_in: SignIn
) -> None:
    gina = kaisha.person(unique("Gina"))
    hal = kaisha.person(unique("Hal"))
    group = kaisha.api_as(gina["email"]).call(
        "POST", "/api/channels", {"name": unique("Book club "), "description": "Monthly"}
    )
    kaisha.api_as(hal["email"]).call("POST", f"/api/channels/{group['id']}/join")
    h = sign_in(hal["email"])
    h.open(f"#/c/{group['id']}")
    connected(h.page)
    expect(h.page.get_by_test_id("channel-header")).to_contain_text("Monthly")

    g = sign_in(gina["email"])
    g.open(f"#/c/{group['id']}")
    g.page.get_by_test_id("edit-channel").click()
    dialog = g.page.get_by_test_id("channel-edit-dialog")
    expect(dialog.get_by_test_id("channel-edit-name")).to_have_value(group["name"])
    new_name = unique("Reading circle ")
    dialog.get_by_test_id("channel-edit-name").fill(new_name)
    dialog.get_by_test_id("channel-edit-description").fill("Every other Thursday")
    dialog.get_by_test_id("channel-edit-save").click()
    expect(dialog).to_have_count(0)
    expect(g.page.get_by_test_id("channel-name")).to_have_text(new_name)
    expect(g.page.get_by_test_id("group-channels")).to_contain_text(new_name)

    # Hal's page follows the channel.updated event: header, sidebar, title, composer.
    expect(h.page.get_by_test_id("channel-name")).to_have_text(new_name, timeout=LIVE_MS)
    expect(h.page.get_by_test_id("channel-header")).to_contain_text("Every other Thursday")
    expect(h.page.get_by_test_id("group-channels")).to_contain_text(new_name)
    expect(h.page.get_by_test_id("group-channels")).not_to_contain_text(group["name"])
    expect(h.page).to_have_title(f"{new_name} · Kaisha")
    expect(h.page.get_by_test_id("composer-input")).to_have_attribute(
        "placeholder", f"Write to #{new_name}"
    )


def test_what_is_offered_follows_the_channels_rights(kaisha: Kaisha, sign_in: SignIn) -> None:
    """The server's can_* decide the composer, the join bar, the read-only bar,
    like buttons, the thread's comment composer and the header's buttons; they
    are asked for again when one joins or leaves. A like made in the thread
    shows in the timeline too (one store)."""
    sales = kaisha.department(unique("Sales"))
    legal = kaisha.department(unique("Legal"))
    pia = kaisha.person(unique("Pia"), sales["id"])
    quinn = kaisha.person(unique("Quinn"), legal["id"])
    as_quinn = kaisha.api_as(quinn["email"])
    note = unique("Contracts due Friday ")
    as_quinn.call("POST", f"/api/channels/{legal['channel_id']}/posts", {"body": note})
    group = as_quinn.call("POST", "/api/channels", {"name": unique("Chess club ")})
    opening = unique("Who plays the Sicilian? ")
    as_quinn.call("POST", f"/api/channels/{group['id']}/posts", {"body": opening})

    p = sign_in(pia["email"])
    page = p.open(f"#/c/{legal['channel_id']}")
    connected(page)

    # Another department's channel: read it, nothing more.
    expect(page.get_by_test_id("read-only")).to_be_visible()
    expect(page.get_by_test_id("composer-input")).to_have_count(0)
    expect(page.get_by_test_id("join-channel")).to_have_count(0)
    for button in ("edit-channel", "invite-people", "leave-channel"):
        expect(page.get_by_test_id(button)).to_have_count(0)
    shown = post_locator(page, note)
    expect(shown.get_by_test_id("like-count")).to_have_text("0")
    expect(shown.get_by_test_id("like-button")).to_have_count(0)
    shown.get_by_test_id("comment-button").click()
    thread = page.get_by_test_id("thread-panel")
    expect(thread.get_by_test_id("thread-read-only")).to_be_visible()
    expect(thread.get_by_test_id("comment-composer-input")).to_have_count(0)

    # A public group one is not in: join it from the page, with a thread open.
    page.goto(f"/#/c/{group['id']}")
    expect(page.get_by_test_id("channel-name")).to_contain_text(group["name"])
    shown = post_locator(page, opening)
    shown.get_by_test_id("comment-button").click()
    expect(thread.get_by_test_id("thread-read-only")).to_have_text("Join the group to comment.")
    expect(shown.get_by_test_id("like-button")).to_have_count(0)
    expect(page.get_by_test_id("leave-channel")).to_have_count(0)
    page.get_by_test_id("join-channel").click()
    expect(page.get_by_test_id("composer-input")).to_be_visible()
    expect(thread.get_by_test_id("comment-composer-input")).to_be_visible()
    expect(page.get_by_test_id("leave-channel")).to_be_visible()
    expect(page.get_by_test_id("invite-people")).to_be_visible()
    expect(page.get_by_test_id("edit-channel")).to_have_count(0)  # the creator's, and admins'

    # Liked in the thread: the timeline shows it too, and Quinn sees the count.
    thread.get_by_test_id("thread-scroll").get_by_test_id("like-button").first.click()
    expect(shown.get_by_test_id("like-button")).to_have_attribute("aria-pressed", "true")
    expect(shown.get_by_test_id("like-count")).to_have_text("1")
    q = sign_in(quinn["email"])
    expect(
        post_locator(q.open(f"#/c/{group['id']}"), opening).get_by_test_id("like-count")
    ).to_have_text("1")

    # Leaving takes it all back.
    page.get_by_test_id("leave-channel").click()
    expect(page.get_by_test_id("join-channel")).to_be_visible()
    expect(shown.get_by_test_id("like-button")).to_have_count(0)
    expect(shown.get_by_test_id("like-count")).to_have_text("1")
    expect(thread.get_by_test_id("thread-read-only")).to_be_visible()
