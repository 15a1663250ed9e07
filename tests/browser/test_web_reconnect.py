"""The connection manager in the browser: when the server goes away and comes
back (same port, same database), open pages reconnect by themselves, show a
banner meanwhile, resume their channels and show every post exactly once."""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Kaisha, SignIn, connected, post_locator, unique
from tests.support.timing import deadline

pytestmark = pytest.mark.browser

RECONNECT_MS = deadline(30) * 1000


def test_pages_reconnect_and_resume_after_a_server_restart(kaisha: Kaisha, sign_in: SignIn) -> None:
    dept = kaisha.department(unique("Ops"))
    alice = kaisha.person(unique("Alice"), dept["id"])
    bob = kaisha.person(unique("Bob"), dept["id"])
    bot = kaisha.person(unique("Bot"), dept["id"])
    token = kaisha.api_as(bot["email"]).call("POST", "/api/tokens", {"name": "announcer"})["token"]

    def post_as_bot(body: str) -> None:
        r = httpx.post(
            f"{kaisha.url}/api/channels/{dept['channel_id']}/posts",
            json={"body": body},
            headers={"Authorization": f"Bearer {token}"},
            timeout=deadline(10),
        )
        assert r.status_code == 201, r.text

    people = [sign_in(alice["email"]), sign_in(bob["email"])]
    before = unique("Before the restart ")
    post_as_bot(before)
    for person in people:
        person.open(f"#/c/{dept['channel_id']}")
        connected(person.page)
        expect(post_locator(person.page, before)).to_have_count(1)
        expect(person.page.get_by_test_id("conn-banner")).to_be_hidden()

    kaisha.server.stop()
    for person in people:
        expect(person.page.get_by_test_id("conn-banner")).to_be_visible()
    # A post written while offline waits as "sending" and goes out after the reconnect.
    offline = unique("Written while offline ")
    people[0].page.get_by_test_id("composer-input").fill(offline)
    people[0].page.get_by_test_id("composer-input").press("Enter")
    expect(people[0].page.get_by_test_id("pending-post")).to_have_attribute("data-state", "sending")

    kaisha.server.start()
    during = unique("Posted while the pages were reconnecting ")
    post_as_bot(during)
    for person in people:
        expect(person.page.get_by_test_id("conn-banner")).to_be_hidden(timeout=RECONNECT_MS)
        connected(person.page)
        expect(post_locator(person.page, during)).to_have_count(1)

    after = unique("Posted after the reconnect ")
    post_as_bot(after)
    for person in people:
        page = person.page
        expect(post_locator(page, after)).to_have_count(1)
        # Exactly once each, in order, nothing duplicated by the replay.
        for body in (before, during, after, offline):
            expect(post_locator(page, body)).to_have_count(1)
        expect(page.get_by_test_id("pending-post")).to_have_count(0)
        texts = page.get_by_test_id("timeline").get_by_test_id("post-body").all_inner_texts()
        assert texts.index(before) < texts.index(during) < texts.index(after)
        assert len(texts) == len(set(texts))

    # Writes from the page work again over the new connection.
    reply = unique("Back online ")
    people[0].page.get_by_test_id("composer-input").fill(reply)
    people[0].page.get_by_test_id("composer-input").press("Enter")
    expect(post_locator(people[1].page, reply)).to_have_count(1)
