"""Direct messages in the browser (issue 10): a message sent from a profile
card reaches the other person live under "Direct messages" with its unread
count; nobody else can open it by its address; a group conversation started
from "New message"; the list of conversations, newest first and live, with
the other person's presence; a conversation started from the People
directory; on a 360 px phone in Japanese, the conversation, the
line for people added later, and blocking from the card, unblocking in
Settings."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Kaisha, SignIn, connected, post_locator, unique

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 740}


def conversation_link(page: Page, channel_id: int) -> Any:
    return page.get_by_test_id("direct-channels").locator(
        f"[data-testid=channel-link][data-channel-id='{channel_id}']"
    )


def test_a_message_from_a_profile_card_reaches_the_other_live(
    kaisha: Kaisha, sign_in: SignIn
) -> None:
    alice = kaisha.person(unique("Alice"))
    bob = kaisha.person(unique("Bob"))
    carol = kaisha.person(unique("Carol"))
    b = sign_in(bob["email"])
    b.open("#/")
    connected(b.page)
    expect(b.page.get_by_text("Direct messages")).to_be_visible()

    a = sign_in(alice["email"])
    a.open(f"#/people/{bob['id']}")
    card = a.page.get_by_test_id("profile-card")
    card.get_by_test_id("profile-message").click()
    expect(a.page).to_have_url(re.compile(r"#/c/\d+$"))
    channel_id = int(a.page.url.rsplit("/", 1)[1])
    expect(a.page.get_by_test_id("channel-name")).to_have_text(bob["display_name"])
    expect(conversation_link(a.page, channel_id)).to_have_text(bob["display_name"])
    connected(a.page)
    a.page.get_by_test_id("composer-input").fill("Lunch at noon?")
    a.page.get_by_test_id("composer-input").press("Enter")
    expect(post_locator(a.page, "Lunch at noon?")).to_be_visible()

    # Bob: the conversation appears under Direct messages, live, with a count.
    link = conversation_link(b.page, channel_id)
    expect(link).to_contain_text(alice["display_name"])
    expect(link.get_by_test_id("unread-badge")).to_have_text("1")
    link.click()
    expect(post_locator(b.page, "Lunch at noon?")).to_be_visible()
    expect(link.get_by_test_id("unread-badge")).to_have_count(0)
    # In nobody's channel directory.
    b.open("#/directory")
    expect(b.page.get_by_test_id("directory-results")).not_to_contain_text(alice["display_name"])

    # Carol, who is not in it, finds nothing at its address.
    c = sign_in(carol["email"])
    c.open(f"#/c/{channel_id}")
    expect(c.page.get_by_test_id("not-found")).to_be_visible()
    expect(c.page.get_by_text("Lunch at noon?")).to_have_count(0)
    expect(c.page.get_by_test_id("direct-channels").get_by_test_id("channel-link")).to_have_count(0)


def test_a_group_conversation_from_new_message(kaisha: Kaisha, sign_in: SignIn) -> None:
    ken = kaisha.person(unique("Ken"))
    others = [kaisha.person(unique(n)) for n in ("Mio", "Sho")]
    k = sign_in(ken["email"])
    k.open("#/")
    connected(k.page)
    k.page.get_by_test_id("new-message").click()
    dialog = k.page.get_by_test_id("new-message-dialog")
    for person in others:
        dialog.get_by_test_id("new-message-search").fill(person["display_name"])
        dialog.locator(
            f"[data-testid=new-message-candidate][data-user-id='{person['id']}']"
        ).check()
    expect(dialog.get_by_test_id("new-message-count")).to_have_text("2 of 8 chosen")
    dialog.get_by_test_id("new-message-submit").click()
    expect(k.page.get_by_test_id("channel-name")).to_contain_text(others[0]["display_name"])
    expect(k.page.get_by_test_id("channel-name")).to_contain_text(others[1]["display_name"])
    expect(k.page.get_by_test_id("leave-channel")).to_be_visible()
    expect(k.page.get_by_test_id("invite-people")).to_be_visible()


def test_on_a_phone_in_japanese_added_later_and_blocking(kaisha: Kaisha, sign_in: SignIn) -> None:
    yui = kaisha.person(unique("Yui"))
    ren = kaisha.person(unique("Ren"))
    aoi = kaisha.person(unique("Aoi"))
    as_yui = kaisha.api_as(yui["email"])
    group = as_yui.call("POST", "/api/direct", {"user_ids": [ren["id"]]})
    trio = as_yui.call("POST", "/api/direct", {"user_ids": [ren["id"], aoi["id"]]})
    as_yui.call("POST", f"/api/channels/{trio['id']}/posts", {"body": "前の話"})
    as_yui.call("POST", f"/api/channels/{trio['id']}/leave")
    as_ren = kaisha.api_as(ren["email"])
    as_ren.call("POST", f"/api/channels/{trio['id']}/invite", {"user_ids": [yui["id"]]})
    as_ren.call("POST", f"/api/channels/{trio['id']}/posts", {"body": "後の話"})

    y = sign_in(yui["email"], locale="ja-JP", viewport=PHONE)
    page = y.open(f"#/c/{trio['id']}")
    expect(post_locator(page, "後の話")).to_be_visible()
    expect(page.get_by_text("前の話")).to_have_count(0)
    expect(page.get_by_test_id("history-from")).to_contain_text(
        "それより前のメッセージは表示されません"
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    # Blocking Ren from his card: their conversation of two takes nothing more.
    page = y.open(f"#/people/{ren['id']}")
    card = page.get_by_test_id("profile-card")
    card.get_by_test_id("profile-block").click()
    card.get_by_test_id("profile-block-confirm").click()
    expect(card.get_by_test_id("profile-unblock")).to_be_visible()
    expect(card.get_by_test_id("profile-message")).to_have_count(0)
    card.get_by_test_id("modal-close").click()
    page = y.open(f"#/c/{group['id']}")
    expect(page.get_by_test_id("read-only")).to_contain_text("ブロックされています")
    expect(page.get_by_test_id("composer-input")).to_have_count(0)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    # Settings lists him; unblocking there gives the composer back.
    page = y.open("#/settings")
    blocked = page.get_by_test_id("blocked-people")
    expect(blocked).to_contain_text(ren["display_name"])
    blocked.get_by_test_id("unblock").click()
    expect(page.get_by_test_id("no-blocks")).to_be_visible()
    page = y.open(f"#/c/{group['id']}")
    expect(page.get_by_test_id("composer-input")).to_be_visible()
    assert y.dialogs == []


def test_the_conversation_list_shows_presence_newest_first(kaisha: Kaisha, sign_in: SignIn) -> None:
    ken = kaisha.person(unique("Ken"))
    mio = kaisha.person(unique("Mio"))
    sho = kaisha.person(unique("Sho"))
    as_ken = kaisha.api_as(ken["email"])
    with_mio = as_ken.call("POST", "/api/direct", {"user_ids": [mio["id"]]})
    with_sho = as_ken.call("POST", "/api/direct", {"user_ids": [sho["id"]]})
    trio = as_ken.call("POST", "/api/direct", {"user_ids": [mio["id"], sho["id"]]})
    as_ken.call("POST", f"/api/channels/{with_sho['id']}/posts", {"body": "older"})
    as_ken.call("POST", f"/api/channels/{trio['id']}/posts", {"body": "newer"})
    as_ken.call("POST", f"/api/channels/{with_mio['id']}/posts", {"body": "newest"})

    k = sign_in(ken["email"])
    page = k.open("#/")
    connected(page)
    links = page.get_by_test_id("direct-channels").get_by_test_id("channel-link")
    order = [str(c["id"]) for c in (with_mio, trio, with_sho)]
    expect(links).to_have_count(3)
    assert [links.nth(i).get_attribute("data-channel-id") for i in range(3)] == order
    # A conversation of two carries the other's presence; a group has none.
    mio_mark = conversation_link(page, with_mio["id"]).get_by_test_id("dm-presence")
    sho_mark = conversation_link(page, with_sho["id"]).get_by_test_id("dm-presence")
    expect(mio_mark).to_have_attribute("data-status", "offline")
    expect(sho_mark).to_have_attribute("data-status", "offline")
    expect(conversation_link(page, trio["id"]).get_by_test_id("dm-presence")).to_have_count(0)

    # Mio comes online: her mark changes live; Sho's stays.
    m = sign_in(mio["email"])
    m.open("#/")
    connected(m.page)
    expect(mio_mark).to_have_attribute("data-status", "online")
    expect(sho_mark).to_have_attribute("data-status", "offline")

    # Sho writes: his conversation moves to the top, live.
    kaisha.api_as(sho["email"]).call(
        "POST", f"/api/channels/{with_sho['id']}/posts", {"body": "back on top"}
    )
    expect(links.first).to_have_attribute("data-channel-id", str(with_sho["id"]))
    expect(links.nth(1)).to_have_attribute("data-channel-id", str(with_mio["id"]))


def test_a_conversation_started_from_the_people_directory(kaisha: Kaisha, sign_in: SignIn) -> None:
    noa = kaisha.person(unique("Noa"))
    rio = kaisha.person(unique("Rio"))
    n = sign_in(noa["email"])
    page = n.open("#/people")
    page.get_by_test_id("people-search").fill(rio["display_name"])
    person = page.locator(f"[data-testid=person][data-user-id='{rio['id']}']")
    expect(person).to_have_count(1)
    # One's own card has no message button.
    page.get_by_test_id("people-search").fill(noa["display_name"])
    me = page.locator(f"[data-testid=person][data-user-id='{noa['id']}']")
    expect(me).to_have_count(1)
    expect(me.get_by_test_id("person-message")).to_have_count(0)
    page.get_by_test_id("people-search").fill(rio["display_name"])
    person.get_by_test_id("person-message").click()
    expect(page).to_have_url(re.compile(r"#/c/\d+$"))
    channel_id = int(page.url.rsplit("/", 1)[1])
    expect(page.get_by_test_id("channel-name")).to_have_text(rio["display_name"])
    expect(conversation_link(page, channel_id)).to_have_text(rio["display_name"])
    connected(page)
    page.get_by_test_id("composer-input").fill("Hello from the directory")
    page.get_by_test_id("composer-input").press("Enter")
    expect(post_locator(page, "Hello from the directory")).to_be_visible()
    # Rio has it, in the conversation of the two of them.
    seen = kaisha.api_as(rio["email"]).call("GET", f"/api/channels/{channel_id}/posts")
    assert [p["body"] for p in seen["posts"]] == ["Hello from the directory"]
    assert n.dialogs == []
