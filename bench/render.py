"""Rendering posts: ordinary bodies and adversarial ones, before and after.

Everything runs in this process, on one core; no server. For each input:

- **before**: the renderer as it was (markdown-it-py's CommonMark preset, no
  images, headings, rules or raw HTML, hard breaks, no linkify), built here
  from the same parts, measured in the same run as the reference;
- **after**: ``channels.render.render_with(body, STEP_LIMIT)`` (what
  ``render()`` does, without its cache);

timed alternately, ``--repeats`` times each (fewer for inputs that take long:
at most ``BUDGET`` seconds per input and renderer), printing the median and
the maximum CPU time of the rendering thread (steadier than wall time on a
shared machine, and what a render takes from the event loop's thread), after /
before, the steps the body spends (``channels.render.cost``) and whether it
was shown as Markdown or as plain text (its budget spent).

Inputs: a realistic mix of ordinary posts (Japanese and English, lists, links,
code, emphasis, bare URLs), a long post (~8,000 characters) and dense but
honest ones (a list of 270 bare links, of 170 Markdown links, a checklist);
then adversarial bodies of at most 10,000 characters (a post's limit): ``[*``
repeated (the issue's), nested brackets, quotes, lists and emphasis, ``*a``
repeated, backtick runs, unclosed links, link reference chains, thousands of
URLs, ``a://`` repeated, and more, most after cmark's and markdown-it's
pathological tests.

Last, the issue's scenario on an event loop: 80 different ``[*`` bodies
rendered at 20 a second while a ping task sleeps 10 ms at a time; how late
its wake-ups are (p50, p95, max) is what another member's ping would wait.

    .venv/bin/python bench/render.py            # ~1.5 min
    .venv/bin/python bench/render.py --quick    # ~30 s: fewer repeats, 20 posts in the loop
"""

from __future__ import annotations

import argparse
import asyncio
import re
import statistics
import time
from collections.abc import Callable
from typing import Any

from _common import machine_lines, ms, percentile, say, table
from markdown_it import MarkdownIt

from channels.models import MAX_BODY_CHARS
from channels.render import STEP_LIMIT, cost, render_with

BUDGET = 6.0  # seconds at most per input and renderer

Renderer = Callable[[str], str]


def before() -> Renderer:
    """The renderer before bounds, linkify and image links (channels/render.py at
    52f1e23), as the reference."""
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "breaks": True}).disable(
        ["image", "heading", "lheading", "hr", "html_block", "html_inline"]
    )

    def link_open(self: Any, tokens: Any, idx: int, options: Any, env: Any) -> Any:
        tokens[idx].attrSet("rel", "noopener noreferrer nofollow")
        tokens[idx].attrSet("target", "_blank")
        return self.renderToken(tokens, idx, options, env)

    md.add_render_rule("link_open", link_open)

    def render(body: str) -> str:
        html: str = md.render(body)
        return html.strip()

    return render


def after(body: str) -> str:
    return render_with(body, STEP_LIMIT)


# ---- inputs ---------------------------------------------------------------------------


def fill(unit: str, size: int = MAX_BODY_CHARS) -> str:
    """``unit`` repeated to ``size`` characters."""
    return (unit * (size // len(unit) + 1))[:size]


NORMAL = [
    "おはようございます！今日の全体会議は **10時から** 大会議室です。資料は"
    "[共有フォルダ](https://intra.example.co.jp/share/meeting-2024-06) にあります。",
    "Shipped the _new_ build of `billing-api` to staging, notes at "
    "https://example.com/notes/482 - thanks everyone!",
    "新人のみなさんへ：\n\n- 社内Wikiの[オンボーディング](https://wiki.example.co.jp/onboarding)"
    "を読んでください\n- 困ったら #help チャンネルへ\n- 金曜日はランチ会があります 🍣\n\n"
    "よろしくお願いします。",
    "Quick question: does anyone know why `make test` fails with\n\n```\n"
    "E   sqlalchemy.exc.OperationalError: database is locked\n```\n\n"
    "on a fresh checkout? I tried `rm -rf data/` already.",
    "> 来週の予定はどうなっていますか？\n\n月曜と水曜は空いています。*木曜*は出張です。",
    "1. Reviewed PR #1423\n2. Fixed the flaky test in `test_outbox.py`\n3. Wrote docs for the "
    "**presence** API\n\nBlockers: none. See "
    "[the board](https://jira.example.com/board/12?filter=me&sort=desc).",
    "読書会の次回の本は『リーダブルコード』です📚 参加希望の方はこの投稿にいいねしてください。",
    "FYI the VPN will be down Saturday 02:00-04:00 JST for maintenance. "
    "Details: https://status.example.com/incidents/2024-06-08",
    "テニス部、今週土曜は **雨天中止** です☔️ 代わりに来週日曜 9:00〜 にやります。",
    "Has anyone tried the new coffee machine on 3F? It makes a decent *flat white* now ☕",
]

LONG = """**Q2 retrospective — engineering, all teams**

みなさん、第2四半期お疲れさまでした。以下、各チームからの報告をまとめます。長いので、気になるところだけ読んでください。

**1. プラットフォームチーム**

- Kubernetes クラスタを 1.28 から 1.29 へ更新しました（ダウンタイムなし）。
- ログ基盤を [Loki](https://grafana.com/oss/loki/) に移行中です。詳細は https://wiki.example.co.jp/platform/logging を参照してください。
- *オンコール*の負荷が前期比で **30% 減** りました。ありがとうございます。
- 課題: ビルド時間が長い（平均 14 分）。`bazel` のリモートキャッシュを検討中。

**2. Payments team**

We migrated the last of the legacy card processors this quarter. Highlights:

1. **Zero** customer-facing incidents during the cut-over.
2. Reconciliation jobs now run in `45 s` instead of `12 min` (see [PR #2210](https://github.example.com/payments/core/pull/2210)).
3. The new refund flow is live for 20% of merchants; full rollout planned for July.

> "The best migration is the one nobody notices." — our tech lead, probably

Known issues:

```python
# still flaky under load; tracked in PAY-1182
async def settle(batch: list[Txn]) -> None:
    async with db.transaction():
        for txn in batch:
            await ledger.post(txn.debit, txn.credit, amount=txn.amount)
```

**3. モバイルチーム**

iOS アプリのクラッシュ率が 0.4% → 0.1% に改善しました🎉 Android 版は来月リリース予定です。

- 新しいオンボーディング画面（デザイン: [Figma](https://figma.example.com/file/abc123/Onboarding?node-id=12%3A34)）
- プッシュ通知の設定画面を刷新
- _ダークモード_ 対応の残りの画面を修正

**4. Data team**

The weekly active users dashboard moved to the new warehouse. Queries are ~3× faster. If you maintain a report, please check https://bi.example.com/migration-checklist and tick your row.

* Please tag datasets with an owner.
* PII columns must be marked `sensitive=true`.
* Ask in #data-help before creating new pipelines.

**5. 全体へのお願い**

来期の目標設定は **7月12日（金）** までにお願いします。テンプレートは [こちら](https://wiki.example.co.jp/okr/template) です。質問があれば、このスレッドにコメントしてください。

Appendix: on-call stats per team (pages / week): platform 3.1, payments 1.4, mobile 0.6, data 2.2. Raw numbers at https://oncall.example.com/reports/q2?format=csv&team=all.
"""  # noqa: E501

HONEST = {
    "long post, ~2,000 chars": LONG,
    "long post, ~8,000 chars": (LONG + "\n") * 4,
    "list of 270 bare links": fill(
        "".join(f"- https://wiki.example.co.jp/doc/{i}\n" for i in range(400))
    ),
    "list of 170 Markdown links": fill(
        "".join(f"- [文書{i}](https://wiki.example.co.jp/doc/{i}) を確認\n" for i in range(400))
    ),
    "checklist, 330 items": fill("".join(f"- [ ] **task {i}**: `fix` _it_\n" for i in range(400))),
}

ADVERSARIAL = {
    "[* repeated (the issue's)": fill("[*"),
    "[ repeated": fill("["),
    "![ repeated": fill("!["),
    "[a repeated": fill("[a"),
    "[a][ repeated (reference chain)": fill("[a]["),
    "[a] refs + 1,400 definitions": fill("".join(f"[{i}]: /u{i}\n" for i in range(1400)), 6000)
    + fill("[1] ", 4000),
    "nested brackets [[[…]]]": "[" * 5000 + "]" * 5000,
    "*a repeated": fill("*a"),
    "*_ repeated": fill("*_"),
    "**a repeated": fill("**a"),
    "a*** repeated": fill("a***"),
    "nested emphasis ***…a…***": "*" * 5000 + "a" + "*" * 4999,
    "*a **a … a** a* (nested strong/em)": fill("*a **a ", 5000) + fill(" a** a*", 5000),
    "[ a_ repeated (links and emphasis)": fill("[ a_"),
    "**x [a*b**c*](d) repeated": fill("**x [a*b**c*](d) "),
    "backtick runs e` e`` e```…": fill("".join("e" + "`" * i for i in range(1, 200))),
    "`a repeated": fill("`a"),
    "[a](b repeated (unclosed link)": fill("[a](b"),
    "[a](<b repeated (unclosed link)": fill("[a](<b"),
    "![a]( repeated": fill("![a]("),
    "[ (]( repeated": fill("[ (]("),
    "![[]() repeated": fill("![[]()"),
    "nested quotes >>>…a": ">" * 9999 + "a",
    "quote lines >>>>>>>>>a": fill(">>>>>>>>>a\n"),
    "nested lists, 300 levels": fill("".join("  " * i + "- a\n" for i in range(300))),
    "- a lines (one long list)": fill("- a\n"),
    "a + blank line (paragraphs)": fill("a\n\n"),
    "a + line break": fill("a\n"),
    "a:// repeated": fill("a://"),
    "https:// repeated": fill("https://"),
    "700 bare URLs": fill("x https://a.b/"),
    "mailto: repeated": fill("mailto:"),
    "&amp; repeated": fill("&amp;"),
    "<a repeated": fill("<a"),
}


# ---- measuring ------------------------------------------------------------------------


def timings(fn: Renderer, body: str, repeats: int) -> list[float]:
    """CPU seconds of this thread per call: what a render costs the event loop's
    thread, steadier than wall time on a shared machine."""
    out: list[float] = []
    end = time.monotonic() + BUDGET
    for _ in range(repeats):
        t0 = time.thread_time()
        fn(body)
        out.append(time.thread_time() - t0)
        if time.monotonic() > end:
            break
    return out


def each(fn: Renderer, bodies: list[str]) -> Renderer:
    """One call renders all ``bodies``."""

    def run(_: str) -> str:
        return "".join(fn(body) for body in bodies)

    return run


def fmt(seconds: float) -> str:
    return f"{seconds * 1000:.3f} ms" if seconds < 0.01 else ms(seconds)


def measure(name: str, body: str, old: Renderer, repeats: int) -> list[str]:
    assert len(body) <= MAX_BODY_CHARS, name
    old(body), after(body)  # warm up
    a: list[float] = []
    b: list[float] = []
    for _ in range(2):  # alternate, so both see the same machine
        b += timings(old, body, (repeats + 1) // 2)
        a += timings(after, body, (repeats + 1) // 2)
    med_b, med_a = statistics.median(b), statistics.median(a)
    steps = cost(body, STEP_LIMIT)
    shown = "plain text" if steps > STEP_LIMIT else "Markdown"
    row = [
        name,
        f"{len(body):,}",
        fmt(med_b),
        fmt(max(b)),
        fmt(med_a),
        fmt(max(a)),
        f"{med_a / med_b:.2f}",
        f"{steps:,}" if steps <= STEP_LIMIT else f"> {STEP_LIMIT:,}",
        shown,
    ]
    say(
        f"  {name:<38} {len(body):>6,} chars  before {fmt(med_b):>9} (max {fmt(max(b)):>9})  "
        f"after {fmt(med_a):>8} (max {fmt(max(a)):>8})  x{med_a / med_b:5.2f}  {shown}"
    )
    return row


async def loop_stall(fn: Renderer, posts: int, rate: float) -> tuple[list[float], float]:
    """Render ``posts`` different ``[*`` bodies on the loop at ``rate`` a second while a
    task sleeps 10 ms at a time; how late each wake-up was, and the time taken."""
    loop = asyncio.get_running_loop()
    late: list[float] = []
    done = False

    async def ping() -> None:
        while not done:
            t0 = loop.time()
            await asyncio.sleep(0.010)
            late.append(loop.time() - t0 - 0.010)

    bodies = [fill("[*", MAX_BODY_CHARS - 4) + f"{i:04d}" for i in range(posts)]
    pinger = asyncio.create_task(ping())
    await asyncio.sleep(0.05)
    start = loop.time()
    for i, body in enumerate(bodies):
        wait = start + i / rate - loop.time()
        if wait > 0:
            await asyncio.sleep(wait)
        fn(body)
    took = loop.time() - start
    await asyncio.sleep(0.05)
    done = True
    await pinger
    return late, took


def main(args: argparse.Namespace) -> None:
    repeats = 6 if args.quick else args.repeats
    posts = 20 if args.quick else args.posts
    say("Kaisha render benchmark")
    for line in machine_lines()[:2]:
        say(line)
    say(
        f"in-process, one core; {repeats} timed renders per input and renderer (at most "
        f"{BUDGET:.0f} s each), alternating; STEP_LIMIT {STEP_LIMIT:,}"
    )
    old = before()
    headers = [
        "input",
        "chars",
        "before p50",
        "before max",
        "after p50",
        "after max",
        "after/before",
        "steps",
        "shown as",
    ]

    say("\n== Ordinary posts")
    rows = [measure(f"post {i + 1}", body, old, repeats * 10) for i, body in enumerate(NORMAL)]
    without_urls = [b for b in NORMAL if not re.search(r"(?<!\()https?://", b)]
    mixes = {"all ten": NORMAL, f"the {len(without_urls)} without bare URLs": without_urls}
    summary: list[str] = []
    for label, group in mixes.items():
        t_old = min(timings(each(old, group), "", repeats * 20))
        t_new = min(timings(each(after, group), "", repeats * 20))
        summary.append(
            f"ordinary posts, {label}, best of {repeats * 20}: before {fmt(t_old)}, "
            f"after {fmt(t_new)}, x{t_new / t_old:.2f}"
        )
        say("  " + summary[-1])
    for name, body in HONEST.items():
        rows.append(measure(name, body, old, repeats * 2))

    say("\n== Adversarial bodies")
    bad = [measure(name, body, old, repeats) for name, body in ADVERSARIAL.items()]

    say("\n== Summary")
    say(table(headers, rows + bad))
    worst_before = max(bad, key=lambda r: float(r[2].split()[0]))
    worst_after = max(bad, key=lambda r: float(r[4].split()[0]))
    say(
        f"slowest adversarial body before: {worst_before[0]} ({worst_before[2]} median, "
        f"{worst_before[3]} max); after: {worst_after[0]} ({worst_after[4]} median, "
        f"{worst_after[5]} max)"
    )
    for line in summary:
        say(line)
    say("(bare URLs are links now, which the reference did not make: more work, on purpose)")
    say("Times are CPU time of the rendering thread (median and max of the repeats).")

    say(f"\n== The event loop: {posts} different [* bodies at 20/s, a task pinging every 10 ms")
    for label, fn in (("before", old), ("after", after)):
        late, took = asyncio.run(loop_stall(fn, posts, 20.0))
        say(
            f"  {label:<6}  ping lateness p50 {ms(percentile(late, 50)):>9}  "
            f"p95 {ms(percentile(late, 95)):>9}  max {ms(max(late)):>9}  "
            f"({posts} posts took {took:.1f} s, {len(late)} pings)"
        )


def parse() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--quick", action="store_true", help="fewer repeats, 20 posts in the loop")
    p.add_argument("--repeats", type=int, default=10, help="per adversarial input (x10 ordinary)")
    p.add_argument("--posts", type=int, default=80, help="posts rendered in the loop test")
    return p.parse_args()


if __name__ == "__main__":
    main(parse())
