"""The word check's matching (words/match.py) with strings alone: folding
(NFKC, full- and half-width, hiragana and katakana, case), letters spelt out
with spaces or symbols, whole words only (no listed word inside another),
levels, and where the matches are in the text as written."""

from __future__ import annotations

import pytest

from words import starting
from words.lists import WordEntry, WordListUpdate, _deduplicated
from words.match import Entry, Matcher, key, worst

ENTRIES = [
    Entry("バカ", "warn"),
    Entry("baka", "warn"),
    Entry("馬鹿", "warn"),
    Entry("ass", "warn"),
    Entry("死ね", "block"),
    Entry("社外秘", "warn"),
    Entry("kill yourself", "block"),
    Entry("無能", "warn"),
    Entry("カス", "warn"),
    Entry("チョン", "block"),
    Entry("idiot", "warn"),
]
LIST = Matcher(ENTRIES)


# How listed words may be written (text, the word found); the integration
# test posts them through the server on both backends (tests/integration/test_conduct.py).
WRITTEN_OTHERWISE = [
    ("バカ", "バカ"),
    ("ばか", "バカ"),  # hiragana and katakana fold
    ("ﾊﾞｶ", "バカ"),  # half-width katakana with its voiced mark
    ("ば か", "バカ"),  # spelt out with a space
    ("バ　カ", "バカ"),  # an ideographic space
    ("ば★か", "バカ"),  # a symbol between
    ("ば・か", "バカ"),
    ("お前はバカだ", "バカ"),
    ("バカだな", "バカ"),
    ("ｂａｋａ", "baka"),  # full-width Latin
    ("BAKA", "baka"),
    ("b.a.k.a", "baka"),
    ("b a k a!", "baka"),
    ("馬鹿野郎", "馬鹿"),
    ("kick ass", "ass"),
    ("ASS!", "ass"),
    ("これは社外秘です", "社外秘"),
    ("社 外 秘", "社外秘"),
    ("死ねばいいのに", "死ね"),
    ("please kill yourself", "kill yourself"),
    ("KILL  YOURSELF", "kill yourself"),
    ("you idiot.", "idiot"),
    ("ｶｽ", "カス"),
    ("本当に無能だ", "無能"),
]


@pytest.mark.parametrize(("text", "word"), WRITTEN_OTHERWISE)
def test_listed_words_are_found_however_written(text: str, word: str) -> None:
    assert [m.word for m in LIST.find(text)] == [word]


# Ordinary words holding listed ones, and nothing: never matched.
ORDINARY = [
    "バカンスに行きます",  # バカ inside バカンス
    "そればかり",  # ばか inside ばかり
    "クラスの皆さん",
    "class",
    "First class",
    "assistant",
    "Pass the glass",
    "was so good",  # "ass" across words with the space dropped
    "massive",
    "馬車に乗る",
    "必死ね",  # 死ね across 必死 + ね
    "無能力",  # 無能 across 無 + 能力
    "カスタマーサポート",
    "カステラ",
    "チョンマゲ",
    "idiotic",  # a longer word: not listed
    "skill yourselves",
    "社外の秘書",
    "",
]


@pytest.mark.parametrize("text", ORDINARY)
def test_ordinary_words_holding_listed_ones_are_not_matched(text: str) -> None:
    assert LIST.find(text) == []


def test_matches_are_placed_in_the_text_as_written() -> None:
    text = "えっ、ﾊﾞｶ？ あと b.a.k.a"
    found = LIST.find(text)
    assert [(text[m.start : m.end], m.level) for m in found] == [
        ("ﾊﾞｶ", "warn"),
        ("b.a.k.a", "warn"),
    ]
    emoji = "🎉 バカ 🎉"
    (m,) = LIST.find(emoji)
    assert emoji[m.start : m.end] == "バカ"


def test_the_worst_level_decides() -> None:
    assert worst(LIST.find("バカ、死ね")) == "block"
    assert worst(LIST.find("バカ")) == "warn"
    assert worst(LIST.find("こんにちは")) is None


def test_keys_fold_and_symbols_alone_match_nothing() -> None:
    assert key("バ カ") == key("ﾊﾞｶ") == key("ばか") == "ばか"
    assert key("Kill Yourself") == "killyourself"
    assert key("!!!") == ""
    assert Matcher([Entry("!!!", "warn")]).find("!!!") == []


def test_block_wins_over_warn_for_one_word() -> None:
    both = Matcher([Entry("ばか", "warn"), Entry("バカ", "block")])
    assert [m.level for m in both.find("ﾊﾞｶ")] == ["block"]
    kept = _deduplicated(
        [WordEntry(word="ばか", level="warn"), WordEntry(word="バカ", level="block")]
    )
    assert [(e.word, e.level) for e in kept] == [("ばか", "block")]


def test_an_empty_list_finds_nothing() -> None:
    assert Matcher([]).find("バカ") == []


def test_the_starting_lists_match_their_own_words_and_fit_the_limits() -> None:
    whole = Matcher(starting.STARTING)
    for entry in starting.STARTING:
        assert [m.word for m in whole.find(entry.word)] == [entry.word], entry
    WordListUpdate.model_validate(
        {"entries": [{"word": e.word, "level": e.level} for e in starting.STARTING]}
    )


@pytest.mark.parametrize(
    ("entries", "type_"),
    [
        ([{"word": "ばか", "level": "danger"}], "literal_error"),
        ([{"word": "", "level": "warn"}], "string_too_short"),
        ([{"word": "   ", "level": "warn"}], "string_too_short"),
        ([{"word": "!!!", "level": "warn"}], "word_no_letters"),
        ([{"word": "あ" * 51, "level": "warn"}], "string_too_long"),
        ([{"word": "ばか", "level": "warn", "extra": 1}], "extra_forbidden"),
        ([{"word": f"w{i}", "level": "warn"} for i in range(5001)], "too_long"),
    ],
)
def test_bad_entries_are_refused(entries: list[dict[str, object]], type_: str) -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError) as caught:
        WordListUpdate.model_validate({"entries": entries})
    assert caught.value.errors()[0]["type"] == type_
