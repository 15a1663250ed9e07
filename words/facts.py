"""The event kinds the word check appends, in a person's own stream (the stream
kind is named by its name: people are a package above this one). They are
records as much as news: the audit log follows them.

- ``wordlist.changed`` ``{"count", "added", "removed", "level_changed"}``: an
  admin saved the word list (in their own stream): how many entries it has
  now, and the words added, removed or moved to the other level (at most 100
  of each).
- ``wordcheck.overridden`` ``{"what", "channel_id", "post_id", "words"}``: the
  person sent something anyway past a warning (``what``: ``post``,
  ``comment``, ``edit``, ``profile``: a name or introduction, ``channel``: a
  group's name or description, ``event``: an event's title, description or
  place, ``survey``: a survey's texts, ``announcement``: one's title or body,
  ``announcement_comment``), and which listed
  words it holds.
"""

from __future__ import annotations

from typing import ClassVar

from streams.catalogue import Fact, fact


@fact
class WordlistChanged(Fact):
    kind: ClassVar[str] = "wordlist.changed"
    stream: ClassVar[str] = "person"
    count: int
    added: list[str]
    removed: list[str]
    level_changed: list[str]


@fact
class WordcheckOverridden(Fact):
    kind: ClassVar[str] = "wordcheck.overridden"
    stream: ClassVar[str] = "person"
    what: str
    channel_id: int | None
    post_id: int | None
    words: list[str]
