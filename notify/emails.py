"""Mentions left unread, gathered for mail: which to send (claimed exactly
once, whatever the number of nodes), to whom, and what the mail says.

Sending is the server's (server/mention_mail.py: SMTP, the loop, the links);
this module only touches the database, through the caller's unit, and writes
text.

Claiming. ``claim`` marks the mentions it takes (``emailed_at``) in the unit
that reads them, and takes only rows still unread and unclaimed when it
writes them: the candidates are locked as they are read (``FOR UPDATE SKIP
LOCKED`` on PostgreSQL: a second node running at the same moment skips them
and takes the next ones instead of waiting), and the ``UPDATE`` checks
``emailed_at IS NULL AND read_at IS NULL`` again, so a row one node claimed is
never claimed by another, nor one read meanwhile. SQLite has one writer at a
time (server/db.py), which makes the same true there. What is claimed is
mailed at most once: a node that dies between the claim's commit and the
send loses that mail rather than risk sending it twice.

A claimed mention whose person may no longer have it (deactivated, mail about
mentions turned off, no longer able to read the channel) is marked all the
same and left out of the mail: ``emailed_at`` means "the mail job is done with
it", so such rows never come back at the head of the queue.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import not_, tuple_, update
from sqlalchemy import select as sa_select

from channels.access import before_joining, readable_by
from channels.models import Channel, Membership
from core.tables import table_of
from notify.models import Notification, NotificationKind
from org.models import Language, User
from streams.unit import Unit

CLAIM_BATCH = 500  # mentions one claim takes at most

_NOTIFICATION, _CHANNEL, _MEMBERSHIP, _USER = (
    table_of(Notification),
    table_of(Channel),
    table_of(Membership),
    table_of(User),
)


@dataclass(frozen=True, slots=True)
class Mention:
    """One mention in a mail: who, where, what they said, what to open."""

    id: int
    channel_id: int
    channel_name: str
    post_id: int | None  # the post, or the comment
    thread_id: int | None  # a comment's post
    actor_name: str
    excerpt: str
    created_at: datetime

    @property
    def opens(self) -> int | None:
        """The post to open: a comment opens in its post's thread."""
        return self.thread_id if self.thread_id is not None else self.post_id


@dataclass(slots=True)
class Digest:
    """One person's mail: every mention of theirs a claim took."""

    user_id: int
    email: str
    display_name: str
    language: str | None  # None: they never said (the mail is in both languages)
    mentions: list[Mention] = field(default_factory=list)


Key = tuple[int, int]  # a notification's (user_id, id)


async def claim(unit: Unit, older_than: datetime, now: datetime) -> tuple[list[Key], list[Digest]]:
    """Claim the oldest mentions made before ``older_than``, still unread and
    not yet claimed (at most ``CLAIM_BATCH``), marking them at ``now``; answer
    every key claimed, and the mail to write, one per person who should still
    get theirs."""
    conn = await unit.db.connection()
    n = _NOTIFICATION.c
    candidates = (
        sa_select(n.user_id, n.id)
        .where(
            n.kind == NotificationKind.mention.value,
            n.read_at.is_(None),
            n.emailed_at.is_(None),
            n.created_at < older_than,
        )
        .order_by(n.created_at)
        .limit(CLAIM_BATCH)
        .with_for_update(skip_locked=True)
    )
    keys = [(u, i) for u, i in await conn.execute(candidates)]
    if not keys:
        return [], []
    claimed = await conn.execute(
        update(_NOTIFICATION)
        .where(
            tuple_(n.user_id, n.id).in_(keys),
            n.emailed_at.is_(None),
            n.read_at.is_(None),
        )
        .values(emailed_at=now)
        .returning(n.user_id, n.id)
    )
    mine: list[Key] = sorted((u, i) for u, i in claimed)
    if not mine:
        return [], []
    return mine, await _digests(unit, mine)


async def _digests(unit: Unit, keys: Sequence[Key]) -> list[Digest]:
    """The mail for claimed mentions, with the rules asked now: an active
    person, with mention mail on, who may still read the channel."""
    conn = await unit.db.connection()
    n, u, c = _NOTIFICATION.c, _USER.c, _CHANNEL.c
    rows = await conn.execute(
        sa_select(
            n.user_id,
            n.id,
            n.channel_id,
            n.post_id,
            n.thread_id,
            n.actor_ids,
            n.excerpt,
            n.created_at,
            c.name.label("channel_name"),
            u.email,
            u.display_name,
            u.language,
        )
        .select_from(
            _NOTIFICATION.join(_CHANNEL, c.id == n.channel_id).join(_USER, u.id == n.user_id)
        )
        .where(
            tuple_(n.user_id, n.id).in_(list(keys)),
            u.is_active.is_(True),
            u.mention_email.is_(True),
            readable_by(n.user_id, channel=_CHANNEL, membership=_MEMBERSHIP),
            not_(before_joining(n.user_id, n.channel_id, n.post_id, n.thread_id)),
        )
        .order_by(n.user_id, n.created_at, n.id)
    )
    found = list(rows.mappings())
    actors = {r["actor_ids"][0] for r in found if r["actor_ids"]}
    names: dict[int, str] = {}
    if actors:
        named = await conn.execute(sa_select(u.id, u.display_name).where(u.id.in_(sorted(actors))))
        names = {i: name for i, name in named}
    digests: dict[int, Digest] = {}
    for r in found:
        digest = digests.get(r["user_id"])
        if digest is None:
            language = r["language"] if r["language"] in set(Language) else None
            digest = digests[r["user_id"]] = Digest(
                r["user_id"], r["email"], r["display_name"], language
            )
        actor = names.get(r["actor_ids"][0], "") if r["actor_ids"] else ""
        digest.mentions.append(
            Mention(
                id=r["id"],
                channel_id=r["channel_id"],
                channel_name=r["channel_name"],
                post_id=r["post_id"],
                thread_id=r["thread_id"],
                actor_name=actor,
                excerpt=r["excerpt"],
                created_at=r["created_at"],
            )
        )
    return list(digests.values())


async def unclaim(unit: Unit, keys: Sequence[Key]) -> None:
    """Give claimed mentions back to the queue (their mail could not be sent):
    the next run takes them again, if they are still unread."""
    if not keys:
        return
    conn = await unit.db.connection()
    n = _NOTIFICATION.c
    await conn.execute(
        update(_NOTIFICATION).where(tuple_(n.user_id, n.id).in_(list(keys))).values(emailed_at=None)
    )


# ---- what the mail says --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Links:
    """Where a mail's links point (the server knows its public address)."""

    base_url: str  # PUBLIC_URL, without a trailing slash
    unsubscribe_page: str  # opened in a browser: asks, then turns mail off
    delay_minutes: int

    def post(self, mention: Mention) -> str:
        """The browser's address of the post (a comment: its thread)."""
        if mention.opens is None:
            return f"{self.base_url}/#/c/{mention.channel_id}"
        return f"{self.base_url}/#/c/{mention.channel_id}/p/{mention.opens}"

    @property
    def settings(self) -> str:
        return f"{self.base_url}/#/settings"


def _who_ja(m: Mention) -> str:
    """An anonymous question's asker has no name (channels/questions.py)."""
    return f"{m.actor_name}さん" if m.actor_name else "匿名の新人"


def _who_en(m: Mention) -> str:
    return m.actor_name or "Anonymous newcomer"


def subject(digest: Digest) -> str:
    count = len(digest.mentions)
    first = digest.mentions[0]
    if digest.language == Language.en:
        if count == 1:
            return f"Kaisha: {_who_en(first)} mentioned you in {first.channel_name}"
        return f"Kaisha: {count} mentions you have not read"
    ja = (
        f"Kaisha: {_who_ja(first)}が {first.channel_name} であなたをメンションしました"
        if count == 1
        else f"Kaisha: 未読のメンションが{count}件あります"
    )
    if digest.language == Language.ja:
        return ja
    return f"{ja} / {count} unread mention{'s' if count != 1 else ''}"


def body(digest: Digest, links: Links) -> str:
    """Plain text: each mention with who, where, what and its link; then why
    the mail came and how to stop it. Both languages when the person never
    chose one."""
    parts = []
    if digest.language in (None, Language.ja):
        parts.append(_ja(digest, links))
    if digest.language in (None, Language.en):
        parts.append(_en(digest, links))
    return "\n\n-----\n\n".join(parts)


def _ja(digest: Digest, links: Links) -> str:
    lines = [
        f"{digest.display_name}さん",
        "",
        f"読まれていないメンションが{len(digest.mentions)}件あります。",
        "",
    ]
    for m in digest.mentions:
        lines += [f"{_who_ja(m)}（{m.channel_name}）:"]
        if m.excerpt:
            lines += [f"  「{m.excerpt}」"]
        lines += [f"  {links.post(m)}", ""]
    lines += [
        f"このメールは、メンションが{links.delay_minutes}分読まれなかったときに送られます。",
        f"このメールを止める: {links.unsubscribe_page}",
        f"設定を変える: {links.settings}",
    ]
    return "\n".join(lines)


def _en(digest: Digest, links: Links) -> str:
    count = len(digest.mentions)
    lines = [
        f"Hello {digest.display_name},",
        "",
        f"You have {count} mention{'s' if count != 1 else ''} you have not read.",
        "",
    ]
    for m in digest.mentions:
        lines += [f"{_who_en(m)} in {m.channel_name}:"]
        if m.excerpt:
            lines += [f'  "{m.excerpt}"']
        lines += [f"  {links.post(m)}", ""]
    lines += [
        f"This mail is sent when a mention stays unread for {links.delay_minutes} minutes.",
        f"Stop these mails: {links.unsubscribe_page}",
        f"Change your settings: {links.settings}",
    ]
    return "\n".join(lines)
