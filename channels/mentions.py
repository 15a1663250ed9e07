"""Mentions: how a post names a person or everyone in its channel, how a
mention shows, and what a rendered post mentions.

Owns the syntax and the chips' markup; the renderer (channels/render.py) makes
the chips, the channel's policy (channels/access.py, ``mention_channel``) says
who may use ``@channel``, and notify/ decides whom a mention notifies.

The syntax carries the person's id, so that a renamed person, or two people of
one name, are still the one meant (Zulip writes ``@**Name|id**``); it reads
well as plain text, in an email or a notification's excerpt:

    @[佐藤 花子](42)     the person whose id is 42, shown as "@佐藤 花子"
    @channel            everyone in the channel

The name is what the author chose from the list, shown as written (escaped):
it is a label, the id decides. It is 1 to 100 characters without ``[``,
``]`` or a line break (``write`` drops them from a name). A mention starts at
an ``@`` that does not follow an ASCII letter, digit or ``_``
(``me@[x](1)`` is not one, ``こんにちは@[佐藤](1)`` is). An id that is no
one's stays text as written, never a link.

What a post mentions is read back from its HTML (``mentioned``): a mention
counts exactly when it shows as a chip, so one in code, inside a link, or in
a body too complex to render (shown as plain text) mentions no one. The
renderer escapes every piece of raw HTML in a body, so a chip's markup can
come from the renderer alone.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from markdown_it.common.utils import escapeHtml
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from core.errors import ForbiddenError
from core.schema import MAX_ID
from org.models import User

EVERYONE = "channel"
NAME_CHARS = 100
# ``[name](id)``: what follows the ``@`` of a person's mention.
TAIL = re.compile(r"\[([^\[\]\n]{1," + str(NAME_CHARS) + r"})\]\(([1-9][0-9]{0,9})\)")
_WRITTEN = re.compile(r"(?<![0-9A-Za-z_])@" + TAIL.pattern)
_CHIP = re.compile(r'<a class="mention" data-user="([0-9]+)"')
EVERYONE_CHIP = '<span class="mention" data-mention="channel">@channel</span>'
LOOKUP_CHUNK = 1000  # ids asked about in one query


class ChannelMentionForbiddenError(ForbiddenError):
    """``@channel`` by someone the channel does not allow it: its admins,
    moderators and its creator may (channels/access.py)."""

    code = "channel_mention_forbidden"


@dataclass(frozen=True, slots=True)
class Mentioned:
    people: tuple[int, ...]  # ids, each once, in the order they first appear
    everyone: bool  # ``@channel``


def write(name: str, user_id: int) -> str:
    """A mention of ``user_id`` as a composer writes it, with ``name`` as the label."""
    label = re.sub(r"[\[\]\n\r]", " ", name).strip()[:NAME_CHARS] or str(user_id)
    return f"@[{label}]({user_id})"


def chip(user_id: int, name: str) -> str:
    """How a mention of a person shows (the name as written, escaped)."""
    return (
        f'<a class="mention" data-user="{user_id}" href="#/people/{user_id}">'
        f"@{escapeHtml(name)}</a>"
    )


def written(body: str) -> list[int]:
    """The ids a body's mentions name, each once, in order (whether or not they
    are anyone's: ``people_named`` asks)."""
    if "@[" not in body:
        return []
    ids = (int(m.group(2)) for m in _WRITTEN.finditer(body))
    return list(dict.fromkeys(i for i in ids if i <= MAX_ID))


async def people_named(db: AsyncSession, bodies: Iterable[str]) -> frozenset[int]:
    """Which of the ids the bodies' mentions name are people's (deactivated ones
    too: they are still shown), in a query per thousand ids."""
    ids = sorted({i for body in bodies if "@[" in body for i in written(body)})
    found: set[int] = set()
    for start in range(0, len(ids), LOOKUP_CHUNK):
        chunk = ids[start : start + LOOKUP_CHUNK]
        found.update(
            i for i in (await db.exec(select(User.id).where(col(User.id).in_(chunk)))).all() if i
        )
    return frozenset(found)


def known(body: str, people: frozenset[int]) -> frozenset[int]:
    """The people among the ids ``body`` names (what the renderer makes chips of)."""
    if not people or "@[" not in body:
        return frozenset()
    return frozenset(i for i in written(body) if i in people)


def mentioned(html: str | None) -> Mentioned:
    """What rendered HTML mentions: the people of its chips and ``@channel``."""
    if not html or "mention" not in html:
        return Mentioned((), False)
    people = tuple(dict.fromkeys(int(i) for i in _CHIP.findall(html)))
    return Mentioned(people, EVERYONE_CHIP in html)


def adds_everyone(html: str, before: str | None) -> bool:
    """Whether ``html`` says ``@channel`` where ``before`` (an edit's old text) did not."""
    return mentioned(html).everyone and not mentioned(before).everyone
