"""core/fulltext.py with strings alone: normalising, tokens, queries, where
they match and snippets; and, with an FTS5 table in memory made as migration
0009 makes it, that SQLite finds exactly what the Python matcher finds."""

from __future__ import annotations

import sqlite3
import unicodedata

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from core.errors import InvalidError
from core.fulltext import (
    MAX_QUERY_CHARS,
    MAX_WORD,
    _mapped,
    holds,
    index_tokens,
    matches,
    normalise,
    parse_query,
    snippet,
    tsvector,
)


def test_normalising_folds_widths_and_case_but_not_kana() -> None:
    assert normalise("ＡＰＩ Deploy") == "api deploy"
    assert normalise("ｶｲｷﾞ") == "カイギ"
    assert normalise("３月　１０日") == "3月 10日"  # the ideographic space too
    assert normalise("Straße") == "strasse"
    assert normalise("㍿") == "株式会社"
    assert normalise("カイギ") != normalise("かいぎ")


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("会議室で", ["会議", "議室", "室で", "で"]),
        ("会議", ["会議", "議"]),
        ("会", ["会"]),
        ("SNSの活用", ["sns", "の活", "活用", "用"]),
        ("ＡＰＩの仕様", ["api", "の仕", "仕様", "様"]),
        ("3月の会議", ["3", "月の", "の会", "会議", "議"]),
        ("Deploy2 the API!", ["deploy2", "the", "api"]),
        ("サーバー、々", ["サー", "ーバ", "バー", "ー", "々"]),
        ("東京・大阪", ["東京", "京", "大阪", "阪"]),  # the middle dot separates
        ('"*OR NEAR(', ["or", "near"]),
        ("snake_case co-op", ["snake", "case", "co", "op"]),
        ("🎉 ¯\\_(ツ)_/¯ …", ["ツ"]),
        ("", []),
        ("a" * (MAX_WORD + 10), ["a" * MAX_WORD]),
    ],
)
def test_tokens(text: str, tokens: list[str]) -> None:
    assert index_tokens(text) == tokens


@pytest.mark.parametrize(
    ("query", "fts5", "tsquery"),
    [
        ("会議", '"会議"', "('会議')"),
        ("会議室", '"会議 議室"', "('会議' <-> '議室')"),
        ("会", '"会"*', "('会':*)"),
        ("a", '"a"*', "('a':*)"),
        ("3月", '"3 月"*', "('3' <-> '月':*)"),
        ("SNSの活用", '"sns の活 活用"', "('sns' <-> 'の活' <-> '活用')"),
        ("会議API", '"会議 議 api"', "('会議' <-> '議' <-> 'api')"),
        ("Meeting  NOTES", '"meeting" "notes"', "('meeting') & ('notes')"),
        ("会議 会議 ＡＰＩ api", '"会議" "api"', "('会議') & ('api')"),
        ('"*OR NEAR(', '"or" "near"', "('or') & ('near')"),
        ("' OR 1=1 --", '"or" "1 1"', "('or') & ('1' <-> '1')"),
        ("!!! ？？", "", ""),
    ],
)
def test_queries(query: str, fts5: str, tsquery: str) -> None:
    parsed = parse_query(query)
    assert (parsed.fts5(), parsed.tsquery()) == (fts5, tsquery)
    assert bool(parsed) is bool(fts5)


def test_postgresql_asks_its_index_for_the_rarest_token_of_each_phrase() -> None:
    frequency = {"経費": 0.016, "費精": 0.012, "精算": 0.016, "会議": 0.09, "3": 0.2}
    assert not parse_query("会議 a").phrased
    assert parse_query("経費精算").phrased
    tokens = parse_query("経費精算 会議 3月 会 SNSの活用").tsquery_of_one_token_a_term(frequency)
    # A token the statistics do not list is rarer than any they do (sns, の活,
    # 活用: the first of them); a prefix is asked for only when it is alone.
    assert tokens == "'費精' & '会議' & '3' & '会':* & 'sns'"


def test_queries_have_bounds() -> None:
    parse_query("あ" * MAX_QUERY_CHARS)
    with pytest.raises(InvalidError, match="q: at most 200 characters"):
        parse_query("あ" * (MAX_QUERY_CHARS + 1))
    parse_query(" ".join("abcdefghij"))
    with pytest.raises(InvalidError, match="q: at most 10 words"):
        parse_query(" ".join("abcdefghijk"))
    # Repeated terms count once.
    assert len(parse_query(" ".join("a" * 50)).terms) == 1


def test_tsvector_input() -> None:
    assert tsvector(index_tokens("会議 会議")) == "'会議':1,3 '議':2,4"
    assert tsvector([]) == ""
    many = tsvector(["x"] * 20_000)
    positions = many.split(":", 1)[1].split(",")
    assert len(positions) == 256 and positions[-1] == "256"


def test_matches_are_ranges_of_the_text_as_written() -> None:
    text = "今日は会議室で３月の会議をします。ＡＰＩも"
    spans = matches(text, parse_query("会議 3月 api"))
    assert [text[a:b] for a, b in spans] == ["会議", "３月", "会議", "ＡＰＩ"]
    assert matches("ｶﾞｲｷﾞ ガイギ", parse_query("ガイギ")) == [(0, 5), (6, 9)]
    assert matches("Ｍｅｅｔｉｎｇ notes", parse_query("m")) == [(0, 1)]
    assert matches("会議室", parse_query("議室 会議")) == [(0, 3)]  # merged
    assert matches("meeting", parse_query("meet")) == []


def test_snippets_mark_matches_and_cut_long_texts() -> None:
    q = parse_query("経費")
    assert snippet("**経費**の\n\nルール", q) == [
        ("**", False),
        ("経費", True),
        ("**の ルール", False),
    ]
    assert snippet("no match here", q) == [("no match here", False)]
    long = "あ" * 300 + "経費" + "い" * 300
    parts = snippet(long, q)
    assert parts[0][0].startswith("…") and parts[-1][0].endswith("…")
    assert [t for t, hit in parts if hit] == ["経費"]
    assert len("".join(t for t, _ in parts)) == 160 + 2
    start = snippet("経費" + "う" * 300, q)
    assert start[0] == ("経費", True) and start[-1][0].endswith("…")
    end = snippet("え" * 300 + "経費", q)
    assert end[0][0].startswith("…") and end[-1] == ("経費", True)


# ---- properties ----------------------------------------------------------------------

# Text as people write it in a Japanese company: kana, kanji, Latin letters of
# both cases and widths, digits, half-width katakana with sound marks,
# punctuation and spaces.
ALPHABET = (
    "あいうえおかきくけこがぎっょー"
    "アイウエオカキクケコガギッョ"
    "会議室経費精算新人研修東京都日月"
    "abcdeABCDEＡＢＣａｂｃ0123４５"
    "ｱｲｶｷｶﾞｷﾞﾊﾟ"
    " 　、。・!?（）\n"
)
texts = st.text(alphabet=ALPHABET, min_size=1, max_size=40)


@given(texts)
def test_normalising_part_by_part_is_normalising_the_whole(text: str) -> None:
    folded, starts, ends = _mapped(text)
    assert folded == normalise(text)
    if starts is not None and ends is not None:
        assert len(starts) == len(ends) == len(folded)
        assert starts == sorted(starts) and all(
            0 <= a < b <= len(text) for a, b in zip(starts, ends, strict=True)
        )


def _word_char(ch: str) -> bool:
    return ch.isalnum() and not ("\u3000" <= ch <= "\u9fff" or "\uff66" <= ch <= "\uff9f")


@given(texts, st.data())
def test_any_part_of_a_text_finds_it(text: str, data: st.DataObject) -> None:
    """Whatever part of a text one types (not cutting a Latin word or number in
    two), the text matches, at that part."""
    folded = normalise(text)
    i = data.draw(st.integers(0, len(folded) - 1))
    j = data.draw(st.integers(i + 1, len(folded)))
    assume(not (i > 0 and _word_char(folded[i - 1]) and _word_char(folded[i])))
    assume(not (j < len(folded) and _word_char(folded[j - 1]) and _word_char(folded[j])))
    query = parse_query(folded[i:j])
    assume(query)
    assert matches(folded, query) and holds(folded, query), (folded, folded[i:j])


_FTS5 = (
    "CREATE VIRTUAL TABLE post_search USING fts5(tokens,"
    " tokenize = \"unicode61 remove_diacritics 0 categories 'L* N* Co M*'\","
    " prefix = '1')"
)


@given(st.lists(texts, min_size=1, max_size=8), st.data())
def test_sqlite_finds_what_the_matcher_finds(bodies: list[str], data: st.DataObject) -> None:
    """The index and the highlighter agree: FTS5 (as migration 0009 makes it)
    returns exactly the texts that hold the query, said in Python."""
    db = sqlite3.connect(":memory:")
    try:
        db.execute(_FTS5)
        db.executemany(
            "INSERT INTO post_search (rowid, tokens) VALUES (?, ?)",
            [(i, " ".join(index_tokens(b))) for i, b in enumerate(bodies, start=1)],
        )
        source = data.draw(st.sampled_from(bodies))
        folded = normalise(source)
        i = data.draw(st.integers(0, len(folded) - 1))
        j = data.draw(st.integers(i + 1, min(len(folded), i + 6)))
        typed = data.draw(st.sampled_from([folded[i:j], folded[i:j].upper(), "会 議", "a"]))
        query = parse_query(typed)
        assume(query)
        found = {
            r[0]
            for r in db.execute(
                "SELECT rowid FROM post_search WHERE post_search MATCH ?", (query.fts5(),)
            )
        }
        want = {i for i, b in enumerate(bodies, start=1) if holds(b, query)}
        assert found == want, (bodies, typed, query.fts5())
    finally:
        db.close()


def test_nothing_typed_is_fts5_syntax() -> None:
    db = sqlite3.connect(":memory:")
    db.execute(_FTS5)
    db.execute("INSERT INTO post_search (rowid, tokens) VALUES (1, 'near or far')")
    for typed in ['"*OR NEAR(', "a AND b", "NOT x", "col:x", "^x", "x*", '"', "'", "\\", "(", "+"]:
        query = parse_query(typed)
        if query:
            db.execute("SELECT rowid FROM post_search WHERE post_search MATCH ?", (query.fts5(),))
    assert unicodedata.is_normalized("NFKC", parse_query("ＮＥＡＲ").fts5())
