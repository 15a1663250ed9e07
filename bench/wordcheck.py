"""The word check's cost per post, at the largest list allowed (5,000 entries),
against a plain substring scan of the same list in the same run.

Everything runs in this process, on one core; no server. The list: the
starting lists (words/starting.py) plus generated entries up to 5,000 (kana,
kanji and Latin words of 3 to 8 characters, a tenth of them block). Bodies:

- short: ordinary posts of 20 to 80 characters, Japanese and English;
- long: 10,000 characters (a post's limit) of ordinary Japanese;
- short / long with a word: the same with one listed word in them (the only
  case that reaches the analyser);

each timed ``--repeats`` times (CPU time of this thread), median per post in
microseconds, for:

- **check**: ``Matcher.find`` (what a write does: fold, one trie regex over the
  folded text, the analyser around each candidate);
- **substring**: ``[w for w in words if w in text]`` on NFKC-case-folded
  text (every listed word it holds), the naive scan with none of the kana
  folding, separators or whole words.

Also the time to build the matcher (once per list change, per node), and the
same figures for 100,000 entries (which the API refuses) for scale.

    .venv/bin/python bench/wordcheck.py            # ~40 s
    .venv/bin/python bench/wordcheck.py --quick    # ~10 s
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
import unicodedata
from collections.abc import Callable

from words.match import Entry, Matcher
from words.starting import STARTING

KANA = "".join(chr(c) for c in range(0x3042, 0x3094, 2))  # あいうえお…, every other
KATAKANA = "".join(chr(c) for c in range(0x30A2, 0x30F4, 2))
KANJI = "会議資料社員部署営業開発総務経理人事予算計画報告連絡相談確認共有案件顧客製品品質"
LATIN = "abcdefghijklmnopqrstuvwxyz"

SHORT = [
    "明日の会議は10時からです。資料は共有フォルダに置きました。",
    "了解です！",
    "Can someone review the release notes before Friday?",
    "今日のランチ、駅前の新しいお店に行きませんか？",
    "経費精算の締め切りは月末です。忘れずにお願いします。",
    "Thanks, merged. Deploying to staging now.",
    "来週の打ち合わせ、15時に変更になりました。よろしくお願いします。",
    "新人研修の資料、共有しておきます。質問があればどうぞ。",
]
LONG_PARAGRAPH = (
    "本日の定例会議の議事録を共有します。まず、先月の売上は前年同月比で八パーセント増加しました。"
    "新製品の評判も良く、顧客からの問い合わせが増えています。次に、開発部からの報告です。"
    "来月のリリースに向けて、品質確認の作業を進めています。最後に、総務部から連絡です。"
    "オフィスの引っ越しに伴い、来週の金曜日は在宅勤務となります。よろしくお願いします。\n"
)


def generated_list(n: int, rng: random.Random) -> list[Entry]:
    """The starting lists and generated words up to ``n`` entries (a tenth block)."""
    entries = list(STARTING)
    seen = {e.word for e in entries}
    alphabets = (KANA, KATAKANA, KANJI, LATIN)
    while len(entries) < n:
        alphabet = rng.choice(alphabets)
        word = "".join(rng.choice(alphabet) for _ in range(rng.randint(3, 8)))
        if word in seen:
            continue
        seen.add(word)
        entries.append(Entry(word, "block" if rng.random() < 0.1 else "warn"))
    return entries


def _substring(entries: list[Entry]) -> Callable[[str], list[str]]:
    words = [unicodedata.normalize("NFKC", e.word).casefold() for e in entries]

    def scan(text: str) -> list[str]:
        folded = unicodedata.normalize("NFKC", text).casefold()
        return [w for w in words if w in folded]

    return scan


def _time(fn: Callable[[str], object], bodies: list[str], repeats: int) -> float:
    """Median CPU microseconds per body."""
    times = []
    for _ in range(repeats):
        for body in bodies:
            start = time.thread_time_ns()
            fn(body)
            times.append((time.thread_time_ns() - start) / 1000)
    return statistics.median(times)


def run(size: int, repeats: int, rng: random.Random) -> None:
    entries = generated_list(size, rng)
    start = time.perf_counter()
    matcher = Matcher(entries)
    built = time.perf_counter() - start
    scan = _substring(entries)
    long = (LONG_PARAGRAPH * 60)[:10_000]
    listed = "社外秘"
    cases = {
        "short": SHORT,
        "short with a word": [f"{s}{listed}" for s in SHORT],
        "long (10,000 chars)": [long],
        "long with a word": [long[:5000] + listed + long[5000 : 10_000 - len(listed)]],
    }
    matcher.find("warm up the analyser")
    print(f"\n{size:,} entries: matcher built in {built * 1000:.0f} ms")
    print(f"{'body':<22}{'check µs':>12}{'substring µs':>15}{'ratio':>8}")
    for name, bodies in cases.items():
        reps = repeats if "long" not in name else max(3, repeats // 20)
        check = _time(matcher.find, bodies, reps)
        plain = _time(scan, bodies, reps)
        print(f"{name:<22}{check:>12.1f}{plain:>15.1f}{check / plain:>8.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    parser.add_argument("--repeats", type=int, default=200)
    args = parser.parse_args()
    repeats = 20 if args.quick else args.repeats
    rng = random.Random(7)
    run(5000, repeats, rng)
    run(100_000, max(3, repeats // 10), rng)


if __name__ == "__main__":
    main()
