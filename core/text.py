"""Names people read: what may be in them, and the forms they are sorted and
searched by.

- ``invisible(text)``: characters that show nothing or turn the text around
  (format characters such as U+200B ZERO WIDTH SPACE and U+202E RIGHT-TO-LEFT
  OVERRIDE, controls, and blank "letters" such as U+3164 HANGUL FILLER). A
  name holding one can look exactly like a colleague's, so names refuse them.
- ``Name`` and ``Reading``: pydantic types for names (display names,
  department and channel names) and for readings of names in kana. A
  refusal carries a stable error ``type`` (``name_invisible``,
  ``reading_not_kana``) that clients translate.
- ``fold(text)``: the search form: NFKC (full-width Latin and half-width
  katakana become ordinary), case-folded, katakana as hiragana, no spaces.
  ``スズキ``, ``すずき`` and ``ｽｽﾞｷ`` fold alike.
- ``romanise(kana)``: simple Hepburn (``すずき`` → ``suzuki``, ``しょう`` →
  ``shou``), so a Latin spelling finds a name by its reading.
- ``search_text`` and ``sort_key``: what a person's row stores for the
  directory to match and order by (org/models.py).

Pure functions, no I/O: tests/unit/test_text.py tests them with strings alone.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated

from pydantic import AfterValidator
from pydantic_core import PydanticCustomError

# Letters that render as nothing (Unicode calls them letters, so no category
# check finds them): Hangul fillers, the Braille blank, Khmer inherent vowels,
# the combining grapheme joiner and the Mongolian vowel separator.
BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800\u17b4\u17b5\u034f\u180e")
# Control, format (Cf: zero-width and bidirectional marks, soft hyphen, BOM),
# surrogate, private use, line and paragraph separators.
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Zl", "Zp"})


def invisible(text: str) -> list[str]:
    """The characters of ``text`` that show nothing or change its direction, in order."""
    return [
        ch
        for ch in text
        if ch in BLANK_LETTERS or unicodedata.category(ch) in _INVISIBLE_CATEGORIES
    ]


def _codepoints(chars: list[str]) -> str:
    return ", ".join(dict.fromkeys(f"U+{ord(c):04X}" for c in chars))


def check_name(value: str) -> str:
    """A name with nothing invisible in it, and not only spaces (raises ValueError-likes)."""
    hidden = invisible(value)
    if hidden:
        raise PydanticCustomError(
            "name_invisible",
            "contains invisible or direction-changing characters ({chars})",
            {"chars": _codepoints(hidden)},
        )
    if not value.strip():
        raise PydanticCustomError("name_blank", "must not be only spaces")
    return value


# What a reading may hold: kana, the long-vowel mark and middle dot, Latin
# letters (for names read in Latin), spaces, hyphens and apostrophes.
_READING = re.compile(r"^[\u3041-\u3096\u309d\u309e\u30a1-\u30fe a-zA-Z.'\-\s]*$")


def normalise_reading(value: str) -> str:
    """A reading as stored: NFKC (half-width katakana become full-width), trimmed."""
    return unicodedata.normalize("NFKC", value).strip()


def check_reading(value: str) -> str:
    """A reading in kana (or Latin letters); empty means none."""
    hidden = invisible(value)
    if hidden:
        raise PydanticCustomError(
            "name_invisible",
            "contains invisible or direction-changing characters ({chars})",
            {"chars": _codepoints(hidden)},
        )
    value = normalise_reading(value)
    if not _READING.match(value):
        raise PydanticCustomError(
            "reading_not_kana", "write the reading in kana (hiragana or katakana)"
        )
    return value


Name = Annotated[str, AfterValidator(check_name)]
Reading = Annotated[str, AfterValidator(check_reading)]


# ---- folding and romanisation ---------------------------------------------------


def to_hiragana(text: str) -> str:
    """Katakana letters as hiragana (ァ-ヶ and the iteration marks); the rest unchanged."""
    out = []
    for ch in text:
        code = ord(ch)
        if 0x30A1 <= code <= 0x30F6 or code in (0x30FD, 0x30FE):
            out.append(chr(code - 0x60))
        else:
            out.append(ch)
    return "".join(out)


def fold(text: str) -> str:
    """The form names are searched and sorted by (see the module's docstring)."""
    folded = to_hiragana(unicodedata.normalize("NFKC", text).casefold())
    return "".join(folded.split())


_KANA = {
    **dict(zip("あいうえお", ["a", "i", "u", "e", "o"], strict=True)),
    **dict(zip("かきくけこ", ["ka", "ki", "ku", "ke", "ko"], strict=True)),
    **dict(zip("さしすせそ", ["sa", "shi", "su", "se", "so"], strict=True)),
    **dict(zip("たちつてと", ["ta", "chi", "tsu", "te", "to"], strict=True)),
    **dict(zip("なにぬねの", ["na", "ni", "nu", "ne", "no"], strict=True)),
    **dict(zip("はひふへほ", ["ha", "hi", "fu", "he", "ho"], strict=True)),
    **dict(zip("まみむめも", ["ma", "mi", "mu", "me", "mo"], strict=True)),
    **dict(zip("やゆよ", ["ya", "yu", "yo"], strict=True)),
    **dict(zip("らりるれろ", ["ra", "ri", "ru", "re", "ro"], strict=True)),
    **dict(zip("わゐゑを", ["wa", "i", "e", "o"], strict=True)),
    **dict(zip("がぎぐげご", ["ga", "gi", "gu", "ge", "go"], strict=True)),
    **dict(zip("ざじずぜぞ", ["za", "ji", "zu", "ze", "zo"], strict=True)),
    **dict(zip("だぢづでど", ["da", "ji", "zu", "de", "do"], strict=True)),
    **dict(zip("ばびぶべぼ", ["ba", "bi", "bu", "be", "bo"], strict=True)),
    **dict(zip("ぱぴぷぺぽ", ["pa", "pi", "pu", "pe", "po"], strict=True)),
    **dict(zip("ぁぃぅぇぉゕゖゎ", ["a", "i", "u", "e", "o", "ka", "ke", "wa"], strict=True)),
    "ん": "n",
    "ゔ": "vu",
}
_SMALL_Y = {"ゃ": "a", "ゅ": "u", "ょ": "o"}
_SMALL_VOWEL = {"ぁ": "a", "ぃ": "i", "ぅ": "u", "ぇ": "e", "ぉ": "o"}
_VOWELS = "aeiou"


def romanise(kana: str) -> str:
    """Simple Hepburn for hiragana or katakana (``きょうと`` → ``kyouto``,
    ``まっちゃ`` → ``matcha``, ``コーヒー`` → ``koohii``); anything else is kept."""
    text = to_hiragana(kana)
    out: list[str] = []
    double_next = False
    i = 0
    while i < len(text):
        ch = text[i]
        nxt = text[i + 1] if i + 1 < len(text) else ""
        if ch == "っ":
            double_next = True
            i += 1
            continue
        if ch == "ー":
            last = next((c for c in reversed("".join(out)) if c in _VOWELS), "")
            out.append(last)
            i += 1
            continue
        roman = _KANA.get(ch)
        if roman is None:
            out.append(ch)
            double_next = False
            i += 1
            continue
        step = 1
        if nxt in _SMALL_Y and roman.endswith("i") and len(roman) > 1:
            stem = roman[:-1]
            roman = (
                stem + _SMALL_Y[nxt] if stem in ("sh", "ch", "j") else stem + "y" + _SMALL_Y[nxt]
            )
            step = 2
        elif nxt in _SMALL_VOWEL and ch not in _SMALL_VOWEL:
            stem = roman[:-1] if roman[-1] in _VOWELS else roman
            roman = (stem or "w") + _SMALL_VOWEL[nxt]
            step = 2
        if double_next and roman[0] not in _VOWELS and ch != "ん":
            roman = ("t" if roman.startswith("ch") else roman[0]) + roman
        double_next = False
        out.append(roman)
        i += step
    return "".join(out)


def short_vowels(roman: str) -> str:
    """Long vowels written once, as passports and signs do (``satou`` → ``sato``,
    ``oono`` → ``ono``, ``yuuko`` → ``yuko``)."""
    return re.sub(r"o[ou]|uu", lambda m: m.group(0)[0], roman)


_KANA_ONLY = re.compile(r"^[\u3041-\u3096\u30a1-\u30fa\u30fc・\s]+$")


def search_text(display_name: str, reading: str = "") -> str:
    """What a person (or department) is found by, one form a line: the folded
    name, the folded reading and its Latin spellings. Queries are folded the
    same way and matched as substrings (``LIKE``), never across lines."""
    name = fold(display_name)
    forms = [name]
    kana = fold(reading) if reading else (name if _KANA_ONLY.match(display_name) else "")
    if kana:
        roman = romanise(kana)
        forms += [kana, roman, short_vowels(roman)]
    return "\n".join(dict.fromkeys(f for f in forms if f))


def sort_key(display_name: str, reading: str = "") -> str:
    """Order in lists: by reading in hiragana (gojūon order is the code point
    order of hiragana), else by the folded name."""
    return (fold(reading) or fold(display_name))[:200]


def like_pattern(query: str) -> str | None:
    """A ``LIKE`` pattern (escape character ``\\``) for a folded query; None for an
    empty one."""
    folded = fold(query)
    if not folded:
        return None
    escaped = folded.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
