"""Finding listed words in a text, the way a Japanese reader would: pure, no I/O
(tests/unit/test_words.py tests it with strings alone).

**Folding.** Text and entries are folded alike: NFKC, case-folded, NFKC again
(core/fulltext.py's ``normalise``: ``ｂａｋａ`` is ``baka``, ``ﾊﾞｶ`` is
``バカ``), katakana as hiragana (``バカ`` is ``ばか``), and everything that is
not a letter or a digit dropped (spaces, punctuation, symbols,
emoji): ``ば か``, ``b.a.k.a`` and ``ば★か`` all read ``ばか``. An entry is
its folded form (its *key*); an entry that folds to nothing (``!!!``) is
refused by the list (words/lists.py).

**Whole words only.** Japanese is written without spaces, so "a word inside
another word" cannot be told from the letters: バカ is in バカンス, ass in
class. A match counts only when it starts and ends on a word boundary, and
the boundaries come from a morphological analyser (SudachiPy with its
``core`` dictionary, split mode A, the shortest units: 馬鹿野郎 is 馬鹿 + 野郎,
バカンス and assistant are one word each, そればかり is それ + ばかり). The
separators dropped by folding are boundaries too, so a word spelt out letter
by letter (``b a k a``) matches whole.

**Cost.** The analyser is asked only about the few places where an entry's
key occurs at all: a first pass looks for every key at once with one regular
expression made from a trie of the keys (one compiled pattern, run in C),
on the folded text. A post without any listed word never reaches the
analyser; one with a candidate costs one analysis of a small window around
it. bench/wordcheck.py measures it (docs/performance.md).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Final, Literal

from core.fulltext import mapped_normalise
from core.text import to_hiragana

Level = Literal["warn", "block"]
LEVELS: Final = ("warn", "block")

# How much text around a candidate the analyser sees: enough for it to know
# the words on either side.
_WINDOW: Final = 24
# Candidates looked at in one text at most (a text made of one listed word
# repeated thousands of times is refused at its first ones anyway).
_MAX_CANDIDATES: Final = 200


# Runs of letters and digits (Unicode): they stay; anything else separates.
_LETTERS = re.compile(r"[^\W_]+")


def key(word: str) -> str:
    """An entry's folded form: what it matches as (empty: it cannot match)."""
    folded = mapped_normalise(word)[0]
    return to_hiragana("".join(_LETTERS.findall(folded)))


@dataclass(frozen=True, slots=True)
class Entry:
    word: str
    level: Level


@dataclass(frozen=True, slots=True)
class Match:
    """A listed word found in a text: ``[start, end)`` in the text's characters
    (code points), its level, and the entry as listed."""

    start: int
    end: int
    level: Level
    word: str


@lru_cache(maxsize=1)
def _analyser() -> object:
    from sudachipy import Dictionary, SplitMode

    # Only where morphemes begin and end is asked: no other field is loaded.
    return Dictionary(dict="core").tokenizer(mode=SplitMode.A, fields=set())


def _boundaries(text: str) -> set[int]:
    """Where words begin and end in ``text``, by the analyser."""
    found: set[int] = {0, len(text)}
    for m in _analyser().tokenize(text):  # type: ignore[attr-defined]
        found.add(m.begin())
        found.add(m.end())
    return found


def _trie_pattern(keys: Iterable[str]) -> str:
    """One regular expression matching any of ``keys``, as a trie (``ba(?:ka|ta)``)
    so that matching costs the depth of the trie, not the number of keys."""
    trie: dict[str, dict] = {}  # type: ignore[type-arg]
    for k in keys:
        node = trie
        for ch in k:
            node = node.setdefault(ch, {})
        node[""] = {}

    def pattern(node: dict) -> str:  # type: ignore[type-arg]
        branches = []
        ends = "" in node
        for ch in sorted(c for c in node if c):
            branches.append(re.escape(ch) + pattern(node[ch]))
        if not branches:
            return ""
        alternatives = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if ends:
            return "(?:" + alternatives + ")?"
        return alternatives

    return pattern(trie)


class Matcher:
    """A word list made ready to find its words in texts. Building one for 5,000
    entries takes tens of milliseconds; lists keep one per list version."""

    def __init__(self, entries: Sequence[Entry]) -> None:
        table: dict[str, Entry] = {}
        for entry in entries:
            k = key(entry.word)
            if not k:
                continue
            held = table.get(k)
            if held is None or (held.level == "warn" and entry.level == "block"):
                table[k] = entry
        self._table = table
        self._lengths = sorted({len(k) for k in table}, reverse=True)
        self._scan = re.compile("(?=" + _trie_pattern(table) + ")") if table else None

    def __len__(self) -> int:
        return len(self._table)

    def find(self, text: str) -> list[Match]:
        """Every listed word in ``text``, whole, in order of where it starts."""
        if self._scan is None or not text:
            return []
        folded, starts, ends = mapped_normalise(text)
        where: list[int] = []  # for each letter of the compact text, its place in ``folded``
        runs: list[str] = []
        for run in _LETTERS.finditer(folded):
            where.extend(range(run.start(), run.end()))
            runs.append(run.group())
        compact = to_hiragana("".join(runs))
        candidates: list[tuple[int, int, Entry]] = []
        for m in self._scan.finditer(compact):
            i = m.start()
            for length in self._lengths:
                if i + length > len(compact):
                    continue
                entry = self._table.get(compact[i : i + length])
                if entry is not None:
                    candidates.append((i, i + length, entry))
            if len(candidates) >= _MAX_CANDIDATES:
                break
        found: list[Match] = []
        windows: dict[tuple[int, int], set[int]] = {}
        for i, j, entry in candidates:
            a, b = where[i], where[j - 1] + 1  # in ``folded``
            lo, hi = max(0, a - _WINDOW), min(len(folded), b + _WINDOW)
            bounds = windows.get((lo, hi))
            if bounds is None:
                bounds = windows[(lo, hi)] = {lo + p for p in _boundaries(folded[lo:hi])}
            if a not in bounds or b not in bounds:
                continue
            if starts is not None and ends is not None:
                a, b = starts[a], ends[b - 1]
            found.append(Match(a, b, entry.level, entry.word))
        return found


def worst(matches: Iterable[Match]) -> Level | None:
    """The level a text is refused or warned at: block over warn, None if clean."""
    levels = {m.level for m in matches}
    return "block" if "block" in levels else "warn" if "warn" in levels else None
