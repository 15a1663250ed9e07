"""Names with strings alone: what is refused in them, how they fold, read in
Latin letters and sort (core/text.py)."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic_core import PydanticCustomError

from core.text import (
    check_name,
    check_reading,
    fold,
    invisible,
    like_pattern,
    romanise,
    search_text,
    short_vowels,
    sort_key,
)


@pytest.mark.parametrize(
    "name",
    [
        "Bob\u200b",  # zero-width space
        "\u200dBob",  # zero-width joiner
        "\u202eboB",  # right-to-left override
        "Bo\u2067b",  # right-to-left isolate
        "\u061cBob",  # Arabic letter mark
        "Bob\ufeff",  # byte order mark
        "Bo\u00adb",  # soft hyphen
        "\u3164",  # Hangul filler
        "\u115fBob",  # Hangul choseong filler
        "Bob\u2800",  # Braille blank
        "B\tob",  # control
        "Bob\u2028",  # line separator
    ],
)
def test_names_refuse_invisible_and_direction_changing_characters(name: str) -> None:
    assert invisible(name)
    with pytest.raises(PydanticCustomError) as caught:
        check_name(name)
    assert caught.value.type == "name_invisible"
    assert "U+" in str(caught.value)


@pytest.mark.parametrize("name", ["", " ", "\u3000", " \u3000 "])
def test_names_of_only_spaces_are_refused(name: str) -> None:
    with pytest.raises(PydanticCustomError) as caught:
        check_name(name)
    assert caught.value.type == "name_blank"


@pytest.mark.parametrize(
    "name", ["鈴木 一郎", "鈴木\u3000一郎", "Zoë O'Brien", "たなか🎉", "ｽｽﾞｷ", "김민준", "محمد"]
)
def test_ordinary_names_pass(name: str) -> None:
    assert check_name(name) == name and not invisible(name)


@given(st.text())
def test_whatever_passes_has_nothing_invisible_and_something_visible(text: str) -> None:
    try:
        check_name(text)
    except PydanticCustomError:
        return
    assert text.strip()
    assert all(unicodedata.category(c) not in ("Cc", "Cf", "Cs", "Co") for c in text)


def test_readings_are_kana_or_latin_letters() -> None:
    assert check_reading("すずき いちろう") == "すずき いちろう"
    assert check_reading("ｽｽﾞｷ") == "スズキ"  # stored as NFKC
    assert check_reading("O'Brien") == "O'Brien"
    assert check_reading("") == ""
    for bad, code in (("鈴木", "reading_not_kana"), ("すず\u200bき", "name_invisible")):
        with pytest.raises(PydanticCustomError) as caught:
            check_reading(bad)
        assert caught.value.type == code


def test_folding_makes_every_spelling_of_a_reading_alike() -> None:
    assert fold("すずき") == fold("スズキ") == fold("ｽｽﾞｷ") == "すずき"
    assert fold("ＳＵＺＵＫＩ") == fold("Suzuki") == "suzuki"
    assert fold("鈴木 一郎") == fold("鈴木\u3000一郎") == "鈴木一郎"


@pytest.mark.parametrize(
    ("kana", "latin"),
    [
        ("すずき", "suzuki"),
        ("しんじ", "shinji"),
        ("ちづる", "chizuru"),
        ("つばさ", "tsubasa"),
        ("ふじた", "fujita"),
        ("きょうこ", "kyouko"),
        ("しゅんすけ", "shunsuke"),
        ("ちゃこ", "chako"),
        ("じゅん", "jun"),
        ("いっしき", "isshiki"),
        ("はっとり", "hattori"),
        ("まっちゃ", "matcha"),
        ("コーヒー", "koohii"),
        ("ティナ", "tina"),
        ("ファン", "fan"),
        ("ウィリアム", "wiriamu"),
        ("ヴァイオリン", "vaiorin"),
        ("を", "o"),
        ("ぢ", "ji"),
        ("Smith", "Smith"),
    ],
)
def test_romanisation_is_simple_hepburn(kana: str, latin: str) -> None:
    assert romanise(kana) == latin


def test_long_vowels_are_also_written_once() -> None:
    assert short_vowels("satou") == "sato"
    assert short_vowels("oono") == "ono"
    assert short_vowels("yuuko") == "yuko"
    assert short_vowels("kei") == "kei"


def test_a_person_is_found_by_name_reading_and_latin_spellings() -> None:
    text = search_text("鈴木 一郎", "スズキ イチロウ")
    forms = text.split("\n")
    assert forms == ["鈴木一郎", "すずきいちろう", "suzukiichirou", "suzukiichiro"]
    for query in ("鈴木", "すずき", "スズキ", "ｽｽﾞｷ", "Suzuki", "ichiro", "ichirou"):
        pattern = like_pattern(query)
        assert pattern is not None
        assert any(pattern.strip("%") in form for form in forms), query
    # A name in kana needs no reading to be found in Latin letters.
    assert "sumisu" in search_text("スミス").split("\n")


def test_like_patterns_escape_wildcards_and_ignore_empty_queries() -> None:
    assert like_pattern("a%b_c\\") == "%a\\%b\\_c\\\\%"
    assert like_pattern("   ") is None


def test_sorting_goes_by_reading_then_name() -> None:
    people = [
        ("佐藤", "さとう"),
        ("相川", "アイカワ"),
        ("Bob", ""),
        ("上野", "うえの"),
        ("中村", ""),
    ]
    ordered = sorted(people, key=lambda p: sort_key(*p))
    assert [n for n, _ in ordered] == ["Bob", "相川", "上野", "佐藤", "中村"]
