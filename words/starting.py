"""The word lists a new installation starts with, in Japanese and English: what
is in force until an admin saves a list of their own (Admin → Word check,
``PUT /api/words``), and what that screen offers to start again from.

``block``: threats, telling someone to die, slurs against a people or a
disability: refused outright. ``warn``: insults and words that often come
with confidential information: the author is asked to think again and may
send anyway (which is recorded).

The lists are deliberately short: a few words that are nearly always meant
as they read. Each company adds its own (project code names, a customer's
name, its own in-house slang). Matching is by whole words and folds
hiragana and katakana and full- and half-width forms (words/match.py), so
one spelling of each is enough; kanji spellings are listed beside kana ones.
"""

from __future__ import annotations

from typing import Final

from words.match import Entry, Level


def _entries(level: Level, words: str) -> list[Entry]:
    return [Entry(w, level) for w in words.split()]


JAPANESE: Final = [
    *_entries(
        "block",
        "死ね 氏ね しね 殺すぞ ぶっ殺す 殺してやる キチガイ 基地外 ガイジ 池沼 チョン 支那人 土人",
    ),
    *_entries(
        "warn",
        "バカ 馬鹿 アホ 阿呆 ブス デブ ハゲ キモい キモ ウザい クズ カス 無能 役立たず"
        " 給料泥棒 消えろ 頭おかしい 辞めちまえ",
    ),
    *_entries(
        "warn",
        "社外秘 部外秘 極秘 マル秘 関係者外秘 機密情報 未公開情報 インサイダー 暗証番号",
    ),
]

ENGLISH: Final = [
    *_entries("block", "faggot nigger retard kys"),
    Entry("kill yourself", "block"),
    Entry("go die", "block"),
    *_entries("warn", "idiot stupid moron dumbass asshole ass bitch bastard loser baka aho"),
    Entry("shut up", "warn"),
    *_entries("warn", "confidential"),
    Entry("top secret", "warn"),
    Entry("internal only", "warn"),
    Entry("do not share", "warn"),
]

STARTING: Final = [*JAPANESE, *ENGLISH]
