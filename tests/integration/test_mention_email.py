"""Mail for a mention left unread, from outside, through a real SMTP server on
loopback (aiosmtpd): sent once after the delay, never if read before, nor when
the person turned it off, nor when mail is off, nor from a channel they can no
longer read; one mail per person for all their mentions, in their language;
the unsubscribe link works signed out and refuses forged ones; a failed send
is tried again; two nodes claim disjoint mentions.

The job is driven with ``run_once(now=...)`` (a clock moved forward instead of
waiting out the delay); one test lets the started loop send by itself."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import email
import email.policy
import re
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from email.message import EmailMessage
from typing import Any

import pytest
from sqlalchemy import text

from channels.mentions import write as mention
from core.clock import utcnow
from server.db import Database
from server.mention_mail import MentionMail
from server.settings import Settings
from tests.support.clients import Api, Company, Person, add_person, department_channel, make_company
from tests.support.servers import Running, describe, free_port, serve, server_errors
from tests.support.timing import wait_for

DELAY = 60.0  # seconds; the tests move the clock rather than wait


class Sink:
    """A real SMTP server on a loopback port, keeping what it receives. While
    ``refuse`` is set it answers DATA with a temporary failure (451)."""

    def __init__(self) -> None:
        self.received: list[EmailMessage] = []
        self.refuse = False
        self.port = free_port()

    async def handle_DATA(self, server: object, session: object, envelope: Any) -> str:
        if self.refuse:
            return "451 4.3.0 try again later"
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self.received.append(message)
        return "250 OK"

    def to(self, person: Person) -> list[EmailMessage]:
        return [m for m in self.received if m["To"] == person.email]


@contextlib.contextmanager
def smtp_sink() -> Iterator[Sink]:
    from aiosmtpd.controller import Controller

    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=sink.port)
    controller.start()
    try:
        yield sink
    finally:
        controller.stop()


def _mailing(settings: Settings, sink: Sink, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "smtp_host": "127.0.0.1",
        "smtp_port": sink.port,
        "mention_email_delay": DELAY,
        "mention_email_interval": 3600.0,  # the tests drive the job themselves
        "public_url": "https://sns.example.co.jp",
        **overrides,
    }
    return dataclasses.replace(settings, **values)


@dataclasses.dataclass
class Mailing:
    sink: Sink
    company: Company
    server: Running

    @property
    def job(self) -> MentionMail:
        job: MentionMail = self.server.app.state.services.mention_mail
        return job

    async def run(self, after: float = DELAY + 1) -> int:
        """One run of the job, ``after`` seconds from now."""
        return await self.job.run_once(now=utcnow() + timedelta(seconds=after))


@contextlib.asynccontextmanager
async def _mailing_company(settings: Settings, **overrides: Any) -> AsyncIterator[Mailing]:
    with smtp_sink() as sink, server_errors() as errors:
        async with serve(_mailing(settings, sink, **overrides)) as server:
            company = await make_company(server)
            try:
                yield Mailing(sink, company, server)
            finally:
                await company.close()
    assert not errors, describe(errors)


@pytest.fixture
async def mailing(settings: Settings) -> AsyncIterator[Mailing]:
    async with _mailing_company(settings) as made:
        yield made


def _who(person: Person) -> str:
    return mention(person.email.split("@")[0].title(), person.id)


async def _post(person: Person, channel_id: int, body: str) -> dict[str, Any]:
    made = await person.api.call("POST", f"/api/channels/{channel_id}/posts", {"body": body})
    post: dict[str, Any] = made["post"]
    return post


def _text(message: EmailMessage) -> str:
    body = message.get_body(("plain",))
    assert body is not None
    content: str = body.get_content()
    return content


def _unsubscribe_token(message: EmailMessage) -> str:
    header = message["List-Unsubscribe"].strip()  # folded: a long line
    found = re.fullmatch(r"<https://sns\.example\.co\.jp/api/unsubscribe/([\w-]+)>", header)
    assert found, header
    return found.group(1)


async def test_sent_once_after_the_delay_with_a_link_to_the_post(mailing: Mailing) -> None:
    company, sink = mailing.company, mailing.sink
    alice, bob = company.people["alice"], company.people["bob"]
    eng = await department_channel(alice.api, company.departments["Engineering"])
    post = await _post(alice, eng["id"], f"{_who(bob)} 見積もりを**確認**してください")
    thread = await _post(alice, eng["id"], "質問")
    comment = await alice.api.call(
        "POST", f"/api/posts/{thread['id']}/comments", {"body": f"{_who(bob)} こちらも"}
    )
    await bob.api.call("PATCH", "/api/me", {"language": "ja"})

    assert await mailing.run(after=DELAY / 2) == 0  # not yet
    assert sink.received == []
    assert await mailing.run() == 1
    (message,) = sink.received
    assert message["To"] == bob.email
    assert message["Subject"] == "Kaisha: 未読のメンションが2件あります"
    body = _text(message)
    assert "Bobさん" in body and "Aliceさん（Engineering）" in body
    assert "「@Bob 見積もりを確認してください」" in body  # plain text, not Markdown or HTML
    base = f"https://sns.example.co.jp/#/c/{eng['id']}/p/"
    assert f"{base}{post['id']}\n" in body
    assert f"{base}{thread['id']}\n" in body  # a comment opens in its post's thread
    assert f"/p/{comment['post']['id']}\n" not in body
    token = _unsubscribe_token(message)
    assert f"https://sns.example.co.jp/#/unsubscribe/{token}" in body
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    # Once: later runs (on this node or another) find nothing more.
    assert await mailing.run(after=DELAY * 10) == 0
    assert len(sink.received) == 1
    # Mailing reads nothing: the notifications are as unread as before.
    page = await bob.api.call("GET", "/api/notifications?unread=1")
    assert page["unread_count"] == 2


async def test_not_sent_when_read_before_the_delay(mailing: Mailing) -> None:
    company = mailing.company
    alice, bob = company.people["alice"], company.people["bob"]
    eng = await department_channel(alice.api, company.departments["Engineering"])
    await _post(alice, eng["id"], f"{_who(bob)} 至急")
    await bob.api.call("POST", "/api/notifications/read", {"all": True})
    assert await mailing.run() == 0
    assert mailing.sink.received == []


async def test_each_person_gets_one_mail_for_all_their_mentions(mailing: Mailing) -> None:
    company, sink = mailing.company, mailing.sink
    alice, bob, carol = (company.people[n] for n in ("alice", "bob", "carol"))
    eng = await department_channel(alice.api, company.departments["Engineering"])
    sales = await department_channel(carol.api, company.departments["Sales"])
    await _post(alice, eng["id"], f"{_who(bob)} one")
    await _post(carol, sales["id"], f"{_who(bob)} two")
    await _post(alice, eng["id"], f"{_who(bob)} {_who(carol)} three")
    assert await mailing.run() == 2
    (to_bob,), (to_carol,) = sink.to(bob), sink.to(carol)
    bob_text = _text(to_bob)
    assert all(word in bob_text for word in ("one", "two", "three", "Engineering", "Sales"))
    assert "3" in to_bob["Subject"]
    assert "three" in _text(to_carol) and "one" not in _text(to_carol)
    assert "Alice" in to_carol["Subject"]  # one mention: who and where


async def test_written_in_the_persons_language(mailing: Mailing) -> None:
    company, sink = mailing.company, mailing.sink
    alice, bob, carol = (company.people[n] for n in ("alice", "bob", "carol"))
    dan = await add_person(company, "dan", company.departments["Engineering"])
    await bob.api.call("PATCH", "/api/me", {"language": "en"})
    await carol.api.call("PATCH", "/api/me", {"language": "ja"})
    me = await bob.api.call("GET", "/api/me")
    assert (me["language"], me["mention_email"]) == ("en", True)
    assert (await dan.api.call("GET", "/api/me"))["language"] is None
    # Bad input is refused and changes nothing.
    for bad in ({"language": "fr"}, {"language": ""}, {"mention_email": "no"}):
        r = await bob.api.raw("PATCH", "/api/me", bad)
        assert (r.status_code, r.json()["error"]["code"]) == (422, "invalid"), bad
    assert (await bob.api.call("GET", "/api/me"))["language"] == "en"

    eng = await department_channel(alice.api, company.departments["Engineering"])
    await _post(alice, eng["id"], f"{_who(bob)} {_who(carol)} {_who(dan)} review")
    assert await mailing.run() == 3
    (en,), (ja,), (both,) = sink.to(bob), sink.to(carol), sink.to(dan)
    assert en["Subject"] == "Kaisha: Alice mentioned you in Engineering"
    assert "Hello Bob," in _text(en) and "さん" not in _text(en)
    assert "Stop these mails:" in _text(en)
    assert ja["Subject"] == "Kaisha: Aliceさんが Engineering であなたをメンションしました"
    assert "このメールを止める" in _text(ja) and "Hello" not in _text(ja)
    # Never said (no browser has told the server): both, Japanese first.
    assert "Aliceさん" in both["Subject"] and "1 unread mention" in both["Subject"]
    assert _text(both).index("Danさん") < _text(both).index("Hello Dan,")


async def test_not_sent_when_the_person_turned_it_off(mailing: Mailing) -> None:
    company, sink = mailing.company, mailing.sink
    alice, bob = company.people["alice"], company.people["bob"]
    eng = await department_channel(alice.api, company.departments["Engineering"])
    off = await bob.api.call("PATCH", "/api/me", {"mention_email": False})
    assert off["mention_email"] is False
    await _post(alice, eng["id"], f"{_who(bob)} while off")
    assert await mailing.run() == 0
    # Turned on again: what came while it was off stays unmailed; new ones are.
    await bob.api.call("PATCH", "/api/me", {"mention_email": True})
    assert await mailing.run() == 0
    await _post(alice, eng["id"], f"{_who(bob)} while on")
    assert await mailing.run() == 1
    assert "while on" in _text(sink.received[0]) and "while off" not in _text(sink.received[0])


async def test_not_sent_from_a_channel_the_person_can_no_longer_read(
    mailing: Mailing, settings: Settings
) -> None:
    company = mailing.company
    alice, bob = company.people["alice"], company.people["bob"]
    group = await alice.api.call("POST", "/api/channels", {"name": "秘密", "is_private": True})
    await alice.api.call("POST", f"/api/channels/{group['id']}/invite", {"user_ids": [bob.id]})
    await _post(alice, group["id"], f"{_who(bob)} left before the mail")
    await bob.api.call("POST", f"/api/channels/{group['id']}/leave")
    assert await mailing.run() == 0
    # A notification whose channel became unreadable by a way that did not
    # remove it (the rule asked at send time, not only when it was made).
    await alice.api.call("POST", f"/api/channels/{group['id']}/invite", {"user_ids": [bob.id]})
    await _post(alice, group["id"], f"{_who(bob)} membership gone underneath")
    db = Database(settings.database_url)
    try:
        async with db.engine.begin() as conn:
            await conn.execute(
                text("DELETE FROM membership WHERE channel_id = :c AND user_id = :u"),
                {"c": group["id"], "u": bob.id},
            )
    finally:
        await db.close()
    assert await mailing.run() == 0
    assert mailing.sink.received == []


async def test_not_sent_when_mail_is_off(settings: Settings) -> None:
    """No SMTP server configured: the job does not run, nothing is claimed."""
    off = dataclasses.replace(settings, mention_email_delay=0.0, mention_email_interval=0.05)
    async with serve(off) as server:
        company = await make_company(server)
        alice, bob = company.people["alice"], company.people["bob"]
        eng = await department_channel(alice.api, company.departments["Engineering"])
        await _post(alice, eng["id"], f"{_who(bob)} no mail here")
        job: MentionMail = server.app.state.services.mention_mail
        assert not job.enabled and job._task is None
        assert await job.run_once(now=utcnow() + timedelta(days=1)) == 0
        await company.close()
    db = Database(settings.database_url)
    try:
        async with db.engine.connect() as conn:
            unclaimed = await conn.execute(
                text("SELECT count(*) FROM notification WHERE emailed_at IS NULL")
            )
            assert unclaimed.scalar_one() == 1
    finally:
        await db.close()


async def test_the_unsubscribe_link_works_signed_out_and_refuses_forgeries(
    mailing: Mailing,
) -> None:
    company, sink = mailing.company, mailing.sink
    alice, bob, carol = (company.people[n] for n in ("alice", "bob", "carol"))
    eng = await department_channel(alice.api, company.departments["Engineering"])
    await _post(alice, eng["id"], f"{_who(bob)} {_who(carol)} hello")
    assert await mailing.run() == 2
    bob_token = _unsubscribe_token(sink.to(bob)[0])
    carol_token = _unsubscribe_token(sink.to(carol)[0])
    assert bob_token != carol_token and bob_token.startswith(f"{bob.id}-")

    anyone = Api(mailing.server.http)
    mac = bob_token.split("-", 1)[1]
    forged = [
        f"{carol.id}-{mac}",  # another person's id with bob's proof
        f"{bob.id}-{mac[:-1]}{'A' if mac[-1] != 'A' else 'B'}",  # one character changed
        f"{bob.id}-",
        str(bob.id),
        "nothing",
        f"{bob.id}-{mac}{'x' * 40}",
        f"0-{mac}",
    ]
    for token in forged:
        for method in ("GET", "POST"):
            r = await anyone.raw(method, f"/api/unsubscribe/{token}")
            assert (r.status_code, r.json()["error"]["code"]) == (404, "not_found"), token
    assert (await bob.api.call("GET", "/api/me"))["mention_email"] is True
    assert (await carol.api.call("GET", "/api/me"))["mention_email"] is True

    # The page asks first (GET changes nothing), then turns it off.
    seen = await anyone.call("GET", f"/api/unsubscribe/{bob_token}")
    assert seen == {"display_name": "Bob", "mention_email": True}
    # What a mail client sends for one-click (RFC 8058): a form, no cookie.
    r = await anyone.http.post(
        f"/api/unsubscribe/{bob_token}",
        content=b"List-Unsubscribe=One-Click",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert r.status_code == 200 and r.json() == {"display_name": "Bob", "mention_email": False}
    assert (await bob.api.call("GET", "/api/me"))["mention_email"] is False
    assert (await carol.api.call("GET", "/api/me"))["mention_email"] is True
    again = await anyone.call("POST", f"/api/unsubscribe/{bob_token}")  # the same again
    assert again["mention_email"] is False
    await anyone.close()

    await _post(alice, eng["id"], f"{_who(bob)} {_who(carol)} again")
    assert await mailing.run() == 1
    assert len(sink.to(bob)) == 1 and len(sink.to(carol)) == 2


async def test_a_failed_send_is_tried_again_next_run(mailing: Mailing) -> None:
    company, sink = mailing.company, mailing.sink
    alice, bob = company.people["alice"], company.people["bob"]
    eng = await department_channel(alice.api, company.departments["Engineering"])
    await _post(alice, eng["id"], f"{_who(bob)} retry me")
    sink.refuse = True
    assert await mailing.run() == 0
    sink.refuse = False
    assert await mailing.run() == 1
    assert "retry me" in _text(sink.received[0])
    assert await mailing.run() == 0


async def test_the_started_loop_sends_by_itself(settings: Settings) -> None:
    async with _mailing_company(
        settings, mention_email_delay=0.0, mention_email_interval=0.1
    ) as mailing:
        alice, bob = mailing.company.people["alice"], mailing.company.people["bob"]
        eng = await department_channel(alice.api, mailing.company.departments["Engineering"])
        await _post(alice, eng["id"], f"{_who(bob)} by the loop")
        await wait_for(lambda: len(mailing.sink.received) == 1, 10, "the loop's mail")
        await asyncio.sleep(0.3)  # a few more rounds: still one
        assert len(mailing.sink.received) == 1


@pytest.mark.parametrize("settings", ["postgres"], indirect=True)
async def test_two_nodes_claim_disjoint_mentions(settings: Settings) -> None:
    """Two nodes on one PostgreSQL database run the job at the same moment,
    again and again: every mention is mailed, each in one mail only."""
    with smtp_sink() as sink, server_errors() as errors:
        on = _mailing(settings, sink)
        async with serve(on) as first, serve(dataclasses.replace(on, node_id="second")) as second:
            company = await make_company(first)
            alice = company.people["alice"]
            eng = await department_channel(alice.api, company.departments["Engineering"])
            people = [
                await add_person(company, f"colleague{i}", company.departments["Engineering"])
                for i in range(12)
            ]
            for round_ in range(3):
                for person in people:
                    await _post(alice, eng["id"], f"{_who(person)} round {round_}")
                jobs = [s.app.state.services.mention_mail for s in (first, second)]
                later = utcnow() + timedelta(seconds=DELAY + 1)
                sent = await asyncio.gather(*(job.run_once(now=later) for job in jobs))
                assert sum(sent) == len(people)  # one mail each, from one node or the other
            await company.close()
    assert not errors, describe(errors)
    for person in people:
        name = person.email.split("@")[0].title()
        said = [
            line.strip()
            for m in sink.to(person)
            for line in _text(m).splitlines()
            if line.strip().startswith("「")
        ]
        assert sorted(said) == [f"「@{name} round {r}」" for r in range(3)]
    assert len(sink.received) == 3 * len(people)
