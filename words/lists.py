"""The company's word list: stored, changed by admins, and applied to what
people write.

One row (``word_list``) holds the whole list as JSON with a random ``tag``
that changes with every save. Every write that carries text reads the tag in
the statement that reads its author (channels/actions/common.py,
``current_writers``), and each node keeps the ready-made ``Matcher`` of the
tags it has seen: a saved list applies from the next write on every node,
with no message between nodes and no extra query. No row means no list: the
check is off until an admin saves one (the admin screen offers the starting
lists, words/starting.py), so a new installation and its bots work as before.

``check`` is what writes call: a ``block`` word refuses the write
(``word_blocked``), a ``warn`` word refuses it too (``word_warning``) unless
the writer said they saw the warning (``acknowledge_warning``); a write sent
anyway past a warning is recorded (``wordcheck.overridden`` in the author's
own stream, which the audit log follows). Both errors carry the level and
where in the text the words are (code points), never the list.
"""

from __future__ import annotations

import asyncio
import secrets
from collections import OrderedDict
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Final

from pydantic import BaseModel, ConfigDict, field_validator
from pydantic import Field as PField
from pydantic_core import PydanticCustomError
from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel, select
from sqlmodel.ext.asyncio.session import AsyncSession

from core.clock import utcnow
from core.errors import DomainError, ForbiddenError
from core.schema import StrictModel
from streams.log import STREAMS
from streams.unit import Unit
from words.facts import WordcheckOverridden, WordlistChanged
from words.match import Entry, Level, Match, Matcher, key, worst

MAX_ENTRIES: Final = 5000
MAX_WORD_CHARS: Final = 50
MAX_BYTES: Final = 1024 * 1024  # a full list of 50-character Japanese entries fits
_LIST_ID: Final = 1
_KEPT_MATCHERS: Final = 4


class WordList(SQLModel, table=True):
    __tablename__ = "word_list"
    id: int = Field(default=_LIST_ID, primary_key=True)
    tag: str = Field(max_length=16)
    entries: list[dict[str, Any]] = Field(sa_column=Column(JSON, nullable=False))
    updated_at: datetime = Field(default_factory=utcnow)
    updated_by: int | None = Field(default=None, foreign_key="account.id")


# ---- API shapes ------------------------------------------------------------------


class WordEntry(StrictModel):
    word: str = PField(min_length=1, max_length=MAX_WORD_CHARS)
    level: Level

    @field_validator("word")
    @classmethod
    def _has_letters(cls, value: str) -> str:
        if not key(value):
            raise PydanticCustomError(
                "word_no_letters", "a word needs a letter or a digit: symbols alone match nothing"
            )
        return value


class WordListUpdate(StrictModel):
    entries: list[WordEntry] = PField(max_length=MAX_ENTRIES)


class WordListPublic(BaseModel):
    entries: list[WordEntry]
    in_force: bool  # False: never saved, the check is off
    updated_at: datetime | None
    updated_by: int | None
    max_entries: int = MAX_ENTRIES
    max_word_chars: int = MAX_WORD_CHARS


class WordCheckAsk(StrictModel):
    # Kept as sent (no trimming): the matches' places are in the client's text.
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)
    text: str = PField(max_length=10_000)


class MatchPublic(BaseModel):
    start: int  # in code points
    end: int
    level: Level


class WordCheckAnswer(BaseModel):
    level: Level | None  # the worst found: block, warn, or None (clean)
    matches: list[MatchPublic]


# ---- errors ------------------------------------------------------------------------


def _details(field: str, matches: Sequence[Match]) -> dict[str, Any]:
    return {
        "level": worst(matches),
        "field": field,
        "matches": [{"start": m.start, "end": m.end, "level": m.level} for m in matches],
    }


class WordBlockedError(DomainError):
    """The text holds a word the company does not allow."""

    code = "word_blocked"
    status = 422


class WordWarningError(DomainError):
    """The text holds a word that may hurt or reveal something: send it again
    with ``acknowledge_warning`` to send it anyway."""

    code = "word_warning"
    status = 422


# ---- reading and matching -------------------------------------------------------------

_EMPTY: Final = Matcher([])
_matchers: OrderedDict[str, Matcher] = OrderedDict()


def tag_now() -> Any:
    """The list's tag as a scalar subquery, for the statements writes already make."""
    return select(WordList.tag).where(WordList.id == _LIST_ID).scalar_subquery()


async def matcher(db: AsyncSession, tag: str | None) -> Matcher:
    """The matcher of the list saved under ``tag`` (None: no list)."""
    if tag is None:
        return _EMPTY
    found = _matchers.get(tag)
    if found is not None:
        _matchers.move_to_end(tag)
        return found
    row = await db.get(WordList, _LIST_ID)
    if row is None:
        return _EMPTY
    # Building takes a few hundred milliseconds for a full list (the trie's
    # pattern, compiled): in a thread, so the event loop keeps serving meanwhile.
    made = await asyncio.to_thread(Matcher, [Entry(e["word"], e["level"]) for e in row.entries])
    _matchers[row.tag] = made
    while len(_matchers) > _KEPT_MATCHERS:
        _matchers.popitem(last=False)
    return made


async def matcher_now(db: AsyncSession) -> Matcher:
    """The list in force (for writes that do not read it with their author)."""
    tag = (await db.exec(select(WordList.tag).where(WordList.id == _LIST_ID))).first()
    return await matcher(db, tag)


def check(found: Matcher, texts: Sequence[tuple[str, str]], *, acknowledged: bool) -> list[Match]:
    """Refuse texts with a block word, or a warn word not acknowledged; the warn
    matches an acknowledged write goes past (empty: nothing to record).
    ``texts`` are (field, text) pairs."""
    warned: list[Match] = []
    for field, text in texts:
        matches = found.find(text)
        if any(m.level == "block" for m in matches):
            raise WordBlockedError(
                f"{field}: this contains words the company does not allow",
                _details(field, matches),
            )
        if matches and not acknowledged:
            raise WordWarningError(
                f"{field}: this may hurt someone or reveal something confidential;"
                " send it again with acknowledge_warning to send it anyway",
                _details(field, matches),
            )
        warned.extend(matches)
    return warned


async def record_override(
    unit: Unit,
    actor_id: int,
    what: str,
    matches: Sequence[Match],
    *,
    channel_id: int | None = None,
    post_id: int | None = None,
) -> None:
    """A write sent anyway past a warning, in its author's own stream (the stream
    kind is named, as the fact names it: this package sits below the one that
    owns people)."""
    if not matches:
        return
    fact = WordcheckOverridden(
        what=what,
        channel_id=channel_id,
        post_id=post_id,
        words=sorted({m.word for m in matches}),
    )
    await unit.append(STREAMS[fact.stream], actor_id, fact)


# ---- the admins' side ---------------------------------------------------------------


async def load(db: AsyncSession) -> WordListPublic:
    row = await db.get(WordList, _LIST_ID)
    if row is None:
        return WordListPublic(entries=[], in_force=False, updated_at=None, updated_by=None)
    return WordListPublic(
        entries=[WordEntry.model_validate(e) for e in row.entries],
        in_force=True,
        updated_at=row.updated_at,
        updated_by=row.updated_by,
    )


def _deduplicated(entries: Sequence[WordEntry]) -> list[WordEntry]:
    """One entry per folded form, in the order given; block wins over warn."""
    kept: dict[str, WordEntry] = {}
    for entry in entries:
        k = key(entry.word)
        held = kept.get(k)
        if held is None:
            kept[k] = entry
        elif held.level == "warn" and entry.level == "block":
            kept[k] = WordEntry(word=held.word, level="block")
    return list(kept.values())


async def set_words(
    unit: Unit, actor_id: int, is_admin: bool, entries: Sequence[WordEntry]
) -> WordListPublic:
    """Replace the list (admins), in ``unit``; recorded as ``wordlist.changed``
    in the admin's own stream."""
    db = unit.db
    if not is_admin:
        raise ForbiddenError("only admins change the word list")
    new = _deduplicated(entries)
    row = await db.get(WordList, _LIST_ID, with_for_update=True)
    before = {key(e["word"]): e for e in row.entries} if row is not None else {}
    after = {key(e.word): e for e in new}
    if row is None:
        row = WordList(id=_LIST_ID, tag="", entries=[])
    row.tag = secrets.token_hex(8)
    row.entries = [e.model_dump() for e in new]
    row.updated_at = utcnow()
    row.updated_by = actor_id
    db.add(row)
    changed = [k for k in after.keys() & before.keys() if before[k]["level"] != after[k].level]
    fact = WordlistChanged(
        count=len(new),
        added=[after[k].word for k in after.keys() - before.keys()][:100],
        removed=[before[k]["word"] for k in before.keys() - after.keys()][:100],
        level_changed=[after[k].word for k in changed][:100],
    )
    await unit.append(STREAMS[fact.stream], actor_id, fact)
    await db.flush()
    return await load(db)
