"""Mentions and notifications in the browser (issue 9): the `@` list in the
composer (by kana reading, keyboard, IME-safe), the chip a mention becomes,
the warning before mentioning someone who cannot read the channel, the bell
on two devices of one person (live, read on one and gone on both), a
notification opening its post highlighted, the per-channel level (a muted
channel shows no badge, on every device), and a browser notification while
the tab is hidden."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import (
    Kaisha,
    Person,
    SignIn,
    connected,
    following,
    post_locator,
    unique,
    wait_until,
)
from tests.browser.test_web_read import LIVE_MS, badge, group_of, hide, on_device

pytestmark = pytest.mark.browser


def bell_count(page: Page) -> Any:
    return page.get_by_test_id("bell-count")


def mention_with_list(
    page: Page,
    typed: str,
    who: dict[str, Any],
    *,
    department: str | None = None,
    presence: str | None = None,
) -> None:
    """Type `typed` (an `@` and part of a name) in the channel's composer and
    take `who` from the list with the keyboard; their suggestion shows their
    `department` and `presence` ("Online", "Offline") when given."""
    box = page.get_by_test_id("composer-input")
    before = box.input_value()
    box.press_sequentially(typed)
    option = page.get_by_test_id("mention-option").filter(has_text=who["display_name"])
    expect(option).to_be_visible()
    if department is not None:
        expect(option).to_contain_text(department)
    if presence is not None:
        expect(option.get_by_role("img", name=presence, exact=True)).to_be_visible()
    # Down to them, then Enter takes them (and does not send).
    options = page.get_by_test_id("mention-option")
    for _ in range(options.count()):
        if option.get_attribute("aria-selected") == "true":
            break
        box.press("ArrowDown")
    expect(option).to_have_attribute("aria-selected", "true")
    box.press("Enter")
    expect(page.get_by_test_id("mention-list")).to_be_hidden()
    written = f"{before}{typed[: typed.rindex('@')]}@[{who['display_name']}]({who['id']}) "
    expect(box).to_have_value(written)


def test_a_mention_reaches_both_devices_and_reading_it_on_one_clears_both(
    kaisha: Kaisha, sign_in: SignIn
) -> None:
    dept = kaisha.department(unique("Notify"))
    alice = kaisha.person(unique("Alice"), dept["id"])
    bob = kaisha.person(unique("Sato"), dept["id"], reading="さとう")
    club = group_of(kaisha, alice, bob)
    home = f"#/c/{dept['channel_id']}"
    desktop = on_device(sign_in, bob, home, club["id"])
    phone = on_device(sign_in, bob, home, club["id"])
    for device in (desktop, phone):
        expect(bell_count(device.page)).to_be_hidden()

    writer = on_device(sign_in, alice, f"#/c/{club['id']}")
    # By the kana reading, as an input method leaves it once confirmed; each
    # suggestion says the person's department and whether they are online
    # (Bob is, on two devices).
    mention_with_list(writer.page, "Lunch? @さと", bob, department=dept["name"], presence="Online")
    # By a part of a Latin name, in other letters' case: Watanabe never signed in.
    watanabe = kaisha.person(unique("Watanabe"), dept["id"])
    part = watanabe["display_name"][2:].lower()  # "tanabe12" of "Watanabe12"
    mention_with_list(
        writer.page, f"and @{part}", watanabe, department=dept["name"], presence="Offline"
    )
    writer.page.get_by_test_id("composer-input").press("Enter")
    mine = post_locator(writer.page, "Lunch?")
    chips = mine.locator("a.mention")
    expect(chips).to_have_text([f"@{bob['display_name']}", f"@{watanabe['display_name']}"])
    chip = chips.first
    expect(chip).to_have_attribute("data-user", str(bob["id"]))

    # Bob's bell says 1 on both his devices, live.
    for device in (desktop, phone):
        expect(bell_count(device.page)).to_have_text("1", timeout=LIVE_MS)

    # He opens it on the desktop: the post shows in its channel, highlighted,
    # and the phone's bell goes within a second.
    desktop.page.get_by_test_id("bell").click()
    item = desktop.page.get_by_test_id("notification")
    expect(item).to_have_count(1)
    expect(item.get_by_test_id("notification-text")).to_have_text(
        f"{alice['display_name']} mentioned you in #{club['name']}"
    )
    item.get_by_role("link").click()
    expect(desktop.page).to_have_url(f"{kaisha.url}/#/c/{club['id']}/p/{_post_id(mine)}")
    expect(desktop.page.locator("[data-testid=post][data-highlighted=true]")).to_contain_text(
        "Lunch?"
    )
    expect(bell_count(desktop.page)).to_be_hidden()
    expect(bell_count(phone.page)).to_be_hidden(timeout=LIVE_MS)
    phone.page.get_by_test_id("bell").click()
    expect(phone.page.get_by_test_id("notification")).to_have_count(1)
    expect(phone.page.locator("[data-testid=notification].unread")).to_have_count(0)

    # The chip opens Bob's profile card, where Alice is.
    chip.click()
    expect(writer.page.get_by_test_id("profile-card")).to_contain_text(bob["display_name"])


def _post_id(post: Any) -> str:
    found: str = post.get_attribute("data-post-id")
    return found


def test_mark_all_read_and_paging_in_the_inbox(kaisha: Kaisha, sign_in: SignIn) -> None:
    dept = kaisha.department(unique("Inbox"))
    alice = kaisha.person(unique("Alice"), dept["id"])
    bob = kaisha.person(unique("Bob"), dept["id"])
    carol = kaisha.person(unique("Carol"), dept["id"])
    club = group_of(kaisha, bob, alice, carol)
    as_bob = kaisha.api_as(bob["email"])
    mine = as_bob.call("POST", f"/api/channels/{club['id']}/posts", {"body": "My photo"})
    mention = f"@[{bob['display_name']}]({bob['id']})"
    as_alice = kaisha.api_as(alice["email"])
    for n in range(24):  # more than the inbox's first page (20)
        as_alice.call("POST", f"/api/channels/{club['id']}/posts", {"body": f"Q{n} {mention}"})
    # Two likes of one post: one entry, "… and 1 other".
    as_alice.call("PUT", f"/api/posts/{mine['post']['id']}/like", {})
    kaisha.api_as(carol["email"]).call("PUT", f"/api/posts/{mine['post']['id']}/like", {})

    device = on_device(sign_in, bob, f"#/c/{dept['channel_id']}")
    expect(bell_count(device.page)).to_have_text("25")
    device.page.get_by_test_id("bell").click()
    items = device.page.get_by_test_id("notification")
    expect(items).to_have_count(20)
    expect(items.first.get_by_test_id("notification-text")).to_have_text(
        f"{carol['display_name']} and 1 other liked your post in #{club['name']}"
    )
    device.page.get_by_test_id("inbox-more").click()
    expect(items).to_have_count(25)
    expect(device.page.get_by_test_id("inbox-more")).to_be_hidden()
    device.page.get_by_test_id("inbox-read-all").click()
    expect(bell_count(device.page)).to_be_hidden()
    expect(device.page.locator("[data-testid=notification].unread")).to_have_count(0)
    wait_until(
        device.page,
        lambda: as_bob.call("GET", "/api/notifications?unread=1")["notifications"] == [],
        "the server to have them all read",
    )


def test_mentioning_someone_who_cannot_read_the_channel_warns_first(
    kaisha: Kaisha, sign_in: SignIn
) -> None:
    dept = kaisha.department(unique("Warn"))
    alice = kaisha.person(unique("Alice"), dept["id"])
    bob = kaisha.person(unique("Bob"), dept["id"])
    outsider = kaisha.person(unique("Dave"), dept["id"])
    secret = kaisha.api_as(alice["email"]).call(
        "POST", "/api/channels", {"name": unique("Secret "), "is_private": True}
    )
    kaisha.api_as(alice["email"]).call(
        "POST", f"/api/channels/{secret['id']}/invite", {"user_ids": [bob["id"]]}
    )
    writer = on_device(sign_in, alice, f"#/c/{secret['id']}")
    mention_with_list(writer.page, "See @", outsider)
    box = writer.page.get_by_test_id("composer-input")
    box.press("Enter")
    note = writer.page.get_by_test_id("composer-note")
    expect(note).to_contain_text(f"{outsider['display_name']} cannot read this channel")
    expect(writer.page.get_by_test_id("timeline").get_by_test_id("post")).to_have_count(0)
    # Sent anyway, it notifies nobody.
    writer.page.get_by_test_id("composer-send-anyway").click()
    expect(post_locator(writer.page, "See")).to_be_visible()
    as_outsider = kaisha.api_as(outsider["email"])
    assert as_outsider.call("GET", "/api/notifications")["unread_count"] == 0

    # A member may not use @channel in a group someone else created: told
    # before sending, and nothing is sent.
    member = on_device(sign_in, bob, f"#/c/{secret['id']}")
    member_box = member.page.get_by_test_id("composer-input")
    member_box.fill("@channel meeting now")
    member_box.press("Enter")
    expect(member.page.get_by_test_id("composer-note")).to_contain_text(
        "@channel notifies everyone"
    )
    expect(post_locator(member.page, "meeting now")).to_have_count(0)


def test_an_input_method_composition_is_neither_sent_nor_taken_by_enter(
    kaisha: Kaisha, sign_in: SignIn
) -> None:
    dept = kaisha.department(unique("Ime"))
    alice = kaisha.person(unique("Alice"), dept["id"])
    bob = kaisha.person(unique("Kato"), dept["id"], reading="かとう")
    writer = on_device(sign_in, alice, f"#/c/{dept['channel_id']}")
    box = writer.page.get_by_test_id("composer-input")
    box.click()
    cdp = writer.page.context.new_cdp_session(writer.page)

    def compose(text: str) -> None:
        cdp.send(
            "Input.imeSetComposition",
            {"text": text, "selectionStart": len(text), "selectionEnd": len(text)},
        )

    def enter_while_composing() -> None:
        # What Chrome sends for Enter that confirms a conversion: keyCode 229.
        for kind in ("rawKeyDown", "keyUp"):
            cdp.send(
                "Input.dispatchKeyEvent",
                {"type": kind, "key": "Enter", "code": "Enter", "windowsVirtualKeyCode": 229},
            )

    # A plain sentence: Enter while composing confirms it, and sends nothing.
    compose("けいひ")
    enter_while_composing()
    cdp.send("Input.insertText", {"text": "経費"})
    expect(box).to_have_value("経費")
    writer.page.wait_for_timeout(300)  # a send would have shown the post by now
    expect(writer.page.get_by_test_id("timeline").get_by_test_id("post")).to_have_count(0)
    box.press("Enter")
    expect(post_locator(writer.page, "経費")).to_be_visible()

    # A mention typed through the IME: the list waits for the confirmed text,
    # and Enter during the composition takes nobody.
    box.press_sequentially("@")
    expect(writer.page.get_by_test_id("mention-option").first).to_be_visible()
    compose("かと")
    enter_while_composing()
    expect(box).to_have_value("@かと")
    cdp.send("Input.insertText", {"text": "かと"})
    option = writer.page.get_by_test_id("mention-option").filter(has_text=bob["display_name"])
    expect(option).to_be_visible()
    box.press("Enter")
    expect(box).to_have_value(f"@[{bob['display_name']}]({bob['id']}) ")


def test_a_muted_channel_shows_no_badge_on_any_device(kaisha: Kaisha, sign_in: SignIn) -> None:
    dept = kaisha.department(unique("Mute"))
    alice = kaisha.person(unique("Alice"), dept["id"])
    bob = kaisha.person(unique("Bob"), dept["id"])
    club = group_of(kaisha, alice, bob)
    other = group_of(kaisha, alice, bob)
    as_alice = kaisha.api_as(alice["email"])
    home = f"#/c/{dept['channel_id']}"
    phone = on_device(sign_in, bob, home, club["id"], other["id"])
    desktop = on_device(sign_in, bob, f"#/c/{club['id']}", club["id"], other["id"])
    level = desktop.page.get_by_test_id("notify-level")
    expect(level).to_have_value("mentions")
    level.select_option("none")
    expect(phone.page.get_by_test_id("muted-mark")).to_have_count(1, timeout=LIVE_MS)
    desktop.page.goto(f"{kaisha.url}/{home}")
    connected(desktop.page)
    following(desktop.page, club["id"])
    following(desktop.page, other["id"])
    as_alice.call("POST", f"/api/channels/{club['id']}/posts", {"body": "Muted news"})
    as_alice.call("POST", f"/api/channels/{other['id']}/posts", {"body": "Other news"})
    for device in (phone, desktop):
        expect(badge(device.page, other["id"])).to_have_text("1")
        expect(badge(device.page, club["id"])).to_have_count(0)
        expect(device.page).to_have_title(f"(1) {dept['name']} · Kaisha")
    # Back to "all posts" on the phone: the badge shows the true count, and
    # a new post notifies (the level lets posts through).
    phone.page.locator(f"[data-testid=channel-link][data-channel-id='{club['id']}']").click()
    # The club's own header (muted), not the department's still on screen.
    expect(phone.page.get_by_test_id("notify-level")).to_have_value("none")
    phone.page.get_by_test_id("notify-level").select_option("all")
    # The phone has its answer (its own mark goes), then the desktop follows.
    expect(phone.page.get_by_test_id("muted-mark")).to_have_count(0)
    phone.page.get_by_test_id("channel-link").first.click()
    expect(desktop.page.get_by_test_id("muted-mark")).to_have_count(0, timeout=LIVE_MS)
    as_alice.call("POST", f"/api/channels/{club['id']}/posts", {"body": "Loud news"})
    expect(badge(desktop.page, club["id"])).to_have_text("1")
    expect(bell_count(desktop.page)).to_have_text("1")


def test_a_hidden_tab_shows_a_browser_notification(kaisha: Kaisha, sign_in: SignIn) -> None:
    dept = kaisha.department(unique("Desk"))
    alice = kaisha.person(unique("Alice"), dept["id"])
    bob = kaisha.person(unique("Bob"), dept["id"])
    device: Person = sign_in(bob["email"])
    device.context.grant_permissions(["notifications"])
    # What the page asks the browser to show (the real Notification is called).
    device.page.add_init_script(
        """(() => {
            const Real = window.Notification;
            window.shown = [];
            class Recorded extends Real {
                constructor(title, options) { super(title, options); window.shown.push(title); }
            }
            window.Notification = Recorded;
        })()"""
    )
    device.open(f"#/c/{dept['channel_id']}")
    connected(device.page)
    device.page.get_by_test_id("bell").click()
    device.page.get_by_test_id("desktop-notify").check()
    device.page.get_by_test_id("bell").click()
    as_alice = kaisha.api_as(alice["email"])
    mention = f"@[{bob['display_name']}]({bob['id']})"

    # Visible: the bell counts it, and nothing pops up.
    as_alice.call("POST", f"/api/channels/{dept['channel_id']}/posts", {"body": f"Hi {mention}"})
    expect(bell_count(device.page)).to_have_text("1")
    assert device.page.evaluate("window.shown") == []
    # Hidden: a browser notification says what happened.
    hide(device.page, True)
    as_alice.call("POST", f"/api/channels/{dept['channel_id']}/posts", {"body": f"Yo {mention}"})
    expect(bell_count(device.page)).to_have_text("2")
    assert device.page.evaluate("window.shown") == [
        f"{alice['display_name']} mentioned you in #{dept['name']}"
    ]


def test_only_the_servers_chips_survive_the_client_allowlist(static_page: Page) -> None:
    """A chip as channels/mentions.py renders it keeps its person and gets a
    link of the client's own making; anything else shaped like one is text."""
    cases = {
        "person": '<p><a class="mention" data-user="42" href="#/people/42">@佐藤</a> さん</p>',
        "everyone": '<span class="mention" data-mention="channel">@channel</span>',
        "forged": '<a class="mention" data-user="42" href="javascript:f()" onclick="x()">@x</a>',
        "noId": '<a class="mention" data-user="1; x" href="#">@y</a>',
        "span": '<span class="other" onclick="x()">z</span>',
    }
    written = "@[佐藤 花子](42) and @[佐藤 花子](42), mail@[x](3), @[Bob](7)"
    out = static_page.evaluate(
        """async ([cases, written]) => {
            const { safeFragment } = await import('/safe_html.js');
            const { mentionedPeople } = await import('/views/mentions.js');
            const out = { written: mentionedPeople(written) };
            for (const [name, html] of Object.entries(cases)) {
                const div = document.createElement('div');
                div.append(safeFragment(html));
                out[name] = div.innerHTML;
            }
            return out;
        }""",
        [cases, written],
    )
    assert out["person"] == (
        '<p><a class="mention" data-user="42" href="#/people/42">@佐藤</a> さん</p>'
    )
    assert out["everyone"] == '<span class="mention" data-mention="channel">@channel</span>'
    # The href is the client's: the page's own route for the person, nothing run.
    assert out["forged"] == '<a class="mention" data-user="42" href="#/people/42">@x</a>'
    assert "data-user" not in out["noId"] and "@y" in out["noId"]
    assert out["span"] == "z"
    assert out["written"] == [{"id": 42, "name": "佐藤 花子"}, {"id": 7, "name": "Bob"}]
