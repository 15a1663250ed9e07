"""Full-text search's side of text: the tokens a post is indexed by, what a
person types turned into phrases of the same tokens, and where those match a
text (for highlighting). The index (a table on each database) and the query
with its access rule are channels/search.py's.

Pure functions, no I/O: tests/unit/test_fulltext.py tests them with strings
alone.

**Normalising.** NFKC, case-folded, NFKC again (Unicode's NFKC_Casefold):
full-width ``ＡＰＩ`` and half-width ``ｶｲｷﾞ`` become ``api`` and ``カイギ``;
``Deploy`` and ``DEPLOY`` fold alike. Kana keep their kind: in running text
hiragana and katakana spell different words (names fold them together,
core/text.py's ``fold``, since a reading is typed either way).

**Tokens.** The normalised text is cut into runs of letters and digits;
anything else (spaces, punctuation, symbols, emoji) separates them.

- A run of a script written without spaces (kanji, kana, hangul) becomes its
  overlapping pairs of characters, then its last character alone:
  ``会議室で`` → ``会議 議室 室で で``. Every character starts one token, so
  a word of any length anywhere in an unspaced sentence is a phrase of
  consecutive tokens: ``会議`` is one token, ``経費精算`` the phrase
  ``経費 費精 精算``, and ``会`` every token that starts with ``会``.
- Any other run is one word: ``Deploy2`` → ``deploy2`` (at most
  ``MAX_WORD`` characters: a longer one is cut, alike when indexed and when
  asked for).
- Runs follow one another in one sequence of positions, so a query mixing
  scripts is one phrase as well: ``SNSの活用`` → ``sns の活 活用``.

**Queries.** Whitespace separates terms; a post matches when it holds every
term. A term is the phrase of its tokens less a run's lone last character at
its end (a longer text has a pair starting with that character there:
``会議`` must find ``会議室``). A term ending in a one-character run
(``3月``) or of one character only (``会``, ``a``) matches its last token as a
prefix. Other words match whole: ``meet`` does not find ``meeting``.

Nothing typed is syntax: quotes, ``*``, ``OR``, ``NEAR(`` are separators or
plain words, and the expressions for SQLite FTS5 (``Query.fts5``) and
PostgreSQL (``Query.tsquery``) are built from tokens of letters and digits
only, each quoted.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Final

from core.errors import InvalidError

MAX_QUERY_CHARS: Final = 200  # what a person may type
MAX_TERMS: Final = 10
MAX_WORD: Final = 64  # characters of a word that count

# Scripts written without spaces: the iteration and closing marks (々 〆 〇 〻),
# hiragana, katakana (not the middle dot ・), their phonetic extensions, CJK
# ideographs (extension A, the unified block, compatibility ideographs, the
# supplementary planes) and hangul syllables.
_UNSPACED = (
    "\u3005-\u3007\u303b\u3041-\u3096\u309d-\u309f\u30a1-\u30fa\u30fc-\u30ff"
    "\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7a3"
    "\U00020000-\U0003ffff"
)
_RUN = re.compile(r"[^\W_]+")  # letters and digits (Unicode)
_PIECE = re.compile(f"([{_UNSPACED}]+)|[^{_UNSPACED}]+")
# Characters that belong to the one before them when normalising a part of a
# text on its own: combining marks, half-width (semi-)voiced sound marks (ｶﾞ
# is ガ) and the hangul jamo a syllable is composed of.
_EXTENDS = re.compile(r".[\u0300-\u036f\u1160-\u11ff\u3099\u309a\uff9e\uff9f\ufe00-\ufe0f]*", re.S)


def normalise(text: str) -> str:
    """NFKC, case-folded (see the module's docstring)."""
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())


# A token's kind: a pair of an unspaced run, the lone last character of a
# longer run, a run of one character, or a word.
PAIR, LAST, LONE, WORD = "pair", "last", "lone", "word"


@dataclass(frozen=True, slots=True)
class Token:
    text: str
    start: int  # where it starts in the normalised text
    kind: str


def tokens(folded: str) -> Iterator[Token]:
    """The tokens of normalised text, in order (their positions count from 1)."""
    for run in _RUN.finditer(folded):
        base = run.start()
        for piece in _PIECE.finditer(run.group()):
            start = base + piece.start()
            part = piece.group()
            if piece.group(1) is None:
                yield Token(part[:MAX_WORD], start, WORD)
            elif len(part) == 1:
                yield Token(part, start, LONE)
            else:
                for i in range(len(part) - 1):
                    yield Token(part[i : i + 2], start + i, PAIR)
                yield Token(part[-1], start + len(part) - 1, LAST)


def index_tokens(text: str) -> list[str]:
    """What a text is indexed by: its tokens, in order."""
    return [t.text for t in tokens(normalise(text))]


# PostgreSQL keeps at most 256 positions of one lexeme, and none past 16,383.
_PG_POSITIONS = 256
_PG_LAST_POSITION = 16383


def _lexeme(token: str) -> str:
    """A token quoted for tsvector and tsquery input (tokens are letters and
    digits; the quoting is there all the same)."""
    return "'" + token.replace("\\", "\\\\").replace("'", "''") + "'"


def tsvector(tokens: list[str]) -> str:
    """Tokens as PostgreSQL ``tsvector`` input, with their positions:
    ``'会議':1 '議':2``. No text search parser or configuration is involved,
    so the database's locale does not matter."""
    positions: dict[str, list[int]] = {}
    for i, token in enumerate(tokens[:_PG_LAST_POSITION], start=1):
        found = positions.setdefault(token, [])
        if len(found) < _PG_POSITIONS:
            found.append(i)
    return " ".join(f"{_lexeme(t)}:{','.join(map(str, p))}" for t, p in positions.items())


# ---- queries ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Term:
    """One whitespace-separated part of a query: a phrase of tokens."""

    text: str  # as normalised, for showing what was searched for
    tokens: tuple[str, ...]
    prefix: bool  # the last token matches as a prefix


@dataclass(frozen=True, slots=True)
class Query:
    terms: tuple[Term, ...]

    def __bool__(self) -> bool:
        return bool(self.terms)

    def fts5(self) -> str:
        """The SQLite FTS5 expression: each term a quoted phrase, all of them
        required (``"sns の活 活用" "会"*``)."""
        return " ".join(
            '"' + " ".join(t.replace('"', '""') for t in term.tokens) + '"' + "*" * term.prefix
            for term in self.terms
        )

    def tsquery(self) -> str:
        """The PostgreSQL ``tsquery`` input: ``('sns' <-> 'の活' <-> '活用') & ('会':*)``."""
        parts = []
        for term in self.terms:
            lexemes = [_lexeme(t) for t in term.tokens]
            if term.prefix:
                lexemes[-1] += ":*"
            parts.append("(" + " <-> ".join(lexemes) + ")")
        return " & ".join(parts)

    @property
    def phrased(self) -> bool:
        """Whether a term is a phrase of several tokens."""
        return any(len(term.tokens) > 1 for term in self.terms)

    def tsquery_of_one_token_a_term(self, frequency: Mapping[str, float]) -> str:
        """A ``tsquery`` naming one token of each term, the rarest by ``frequency``
        (tokens it lacks count as rarest; a term's prefix only when it is alone):
        what a PostgreSQL search asks its GIN index, checking the phrases
        (``tsquery``) on the rows that gives. The planner takes the tokens of a
        phrase for independent and multiplies their frequencies, where 経費 is
        nearly always followed by 費精: one token's frequency is the better
        estimate of the phrase's."""
        parts = []
        for term in self.terms:
            whole = term.tokens[: len(term.tokens) - term.prefix]
            if not whole:
                parts.append(_lexeme(term.tokens[-1]) + ":*")
                continue
            parts.append(_lexeme(min(whole, key=lambda t: frequency.get(t, 0.0))))
        return " & ".join(parts)


def _term(piece: str) -> Term | None:
    found = list(tokens(piece))
    if not found:
        return None
    if found[-1].kind == LAST:
        found.pop()  # implied by the pair before it (see the module's docstring)
    last = found[-1]
    prefix = last.kind == LONE or (len(found) == 1 and last.kind == WORD and len(last.text) == 1)
    return Term(piece, tuple(t.text for t in found), prefix)


def parse_query(text: str) -> Query:
    """What a person typed, as terms. Raises InvalidError when it is too long or
    has too many terms; a query of nothing searchable (symbols, spaces) has no
    terms, and finds nothing."""
    if len(text) > MAX_QUERY_CHARS:
        raise InvalidError(f"q: at most {MAX_QUERY_CHARS} characters")
    terms: dict[tuple[tuple[str, ...], bool], Term] = {}
    for piece in normalise(text).split():
        term = _term(piece)
        if term is not None:
            terms.setdefault((term.tokens, term.prefix), term)
    if len(terms) > MAX_TERMS:
        raise InvalidError(f"q: at most {MAX_TERMS} words")
    return Query(tuple(terms.values()))


# ---- where a query matches a text ---------------------------------------------------


@functools.lru_cache(maxsize=8192)
def _normalised_part(part: str) -> str:
    return normalise(part)


def _mapped(text: str) -> tuple[str, list[int] | None, list[int] | None]:
    """The normalised text and, for each of its characters, where the part of
    ``text`` it came from starts and ends (None: the same place).

    Most texts normalise character by character (full-width letters, capitals,
    half-width kana each become one character): then that is the answer, its
    map read off the characters' lengths. Otherwise parts are a character
    with the marks that follow it (``ｶﾞ`` is ``ガ``), normalised one by one:
    for the texts people write this gives what ``normalise`` gives for the
    whole."""
    folded = normalise(text)
    if folded == text:
        return folded, None, None
    parts = list(map(_normalised_part, text))
    if "".join(parts) == folded:
        if len(folded) == len(text) and all(len(part) == 1 for part in parts):
            return folded, None, None
        starts = [i for i, part in enumerate(parts) for _ in part]
        return folded, starts, [i + 1 for i in starts]
    out: list[str] = []
    starts = []
    ends: list[int] = []
    for m in _EXTENDS.finditer(text):
        norm = _normalised_part(m.group())
        out.append(norm)
        starts.extend([m.start()] * len(norm))
        ends.extend([m.end()] * len(norm))
    return "".join(out), starts, ends


def mapped_normalise(text: str) -> tuple[str, list[int] | None, list[int] | None]:
    """``normalise(text)`` with, for each of its characters, where in ``text`` the
    part it came from starts and ends (None: the same place). Highlights use it,
    and so does the word check (words/match.py)."""
    return _mapped(text)


def _term_spans(found: list[Token], term: Term) -> Iterator[tuple[int, int]]:
    """Where a term's phrase matches, in the normalised text."""
    n = len(term.tokens)
    for i in range(len(found) - n + 1):
        if all(found[i + k].text == term.tokens[k] for k in range(n - 1)):
            last, want = found[i + n - 1], term.tokens[-1]
            if last.text == want or (term.prefix and last.text.startswith(want)):
                yield found[i].start, last.start + len(want)


def holds(text: str, query: Query) -> bool:
    """Whether ``text`` has every term of ``query``: what the index answers,
    said in Python (tests/unit/test_fulltext.py holds the two together)."""
    found = list(tokens(normalise(text)))
    return bool(query) and all(any(_term_spans(found, term)) for term in query.terms)


def matches(text: str, query: Query) -> list[tuple[int, int]]:
    """Where ``query`` matches ``text``: ``[start, end)`` in its characters (code
    points), in order, overlapping ones merged."""
    folded, starts, ends = _mapped(text)
    found = list(tokens(folded))
    spans = []
    for term in query.terms:
        for a, b in _term_spans(found, term):
            if starts is not None and ends is not None:
                a, b = starts[a], ends[b - 1]
            spans.append((a, b))
    merged: list[tuple[int, int]] = []
    for a, b in sorted(spans):
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(b, merged[-1][1]))
        else:
            merged.append((a, b))
    return merged


SNIPPET_CHARS: Final = 160
_BEFORE_HIT = 40  # characters shown before the first match in a long text
_SPACES = re.compile(r"\s+")


def snippet(text: str, query: Query, width: int = SNIPPET_CHARS) -> list[tuple[str, bool]]:
    """A part of ``text`` around its first match, at most ``width`` characters,
    as segments ``(text, is a match)``: whitespace runs become one space, and
    ``…`` stands where the text goes on. A client shows the segments as text,
    marking the matches: nothing in them is markup."""
    hits = matches(text, query)
    start = 0
    if len(text) > width and hits:
        start = max(0, min(hits[0][0] - _BEFORE_HIT, len(text) - width))
    end = min(len(text), start + width)
    out: list[tuple[str, bool]] = []

    def add(part: str, hit: bool) -> None:
        part = _SPACES.sub(" ", part)
        if not part:
            return
        if out and out[-1][1] == hit:
            out[-1] = (out[-1][0] + part, hit)
        else:
            out.append((part, hit))

    if start > 0:
        add("…", False)
    at = start
    for a, b in hits:
        a, b = max(a, start), min(b, end)
        if a >= b:
            continue
        add(text[at:a], False)
        add(text[a:b], True)
        at = b
    add(text[at:end], False)
    if end < len(text):
        add("…", False)
    if out and not out[0][1]:
        out[0] = (out[0][0].lstrip(), False)
    if out and not out[-1][1]:
        out[-1] = (out[-1][0].rstrip(), False)
    return [s for s in out if s[0]]
