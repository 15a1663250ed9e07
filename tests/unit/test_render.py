"""Bodies are light Markdown rendered to safe HTML, in bounded time.

Nothing here is timed: the bound is a budget of steps (``channels.render.cost``),
so the tests check what spends it, what happens when it runs out, and that the
output is safe either way. Speed is measured by bench/render.py.
"""

from __future__ import annotations

import inspect
from html.parser import HTMLParser

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from channels.models import MAX_BODY_CHARS
from channels.render import STEP_LIMIT, cost, plain, render, render_with

LINK = 'rel="noopener noreferrer nofollow" target="_blank"'


@pytest.mark.parametrize(
    ("body", "html"),
    [
        ("<img src=x onerror=alert(1)>", "<p>&lt;img src=x onerror=alert(1)&gt;</p>"),
        ("<script>alert(1)</script>", "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"),
        ("**bold** _it_ `code`", "<p><strong>bold</strong> <em>it</em> <code>code</code></p>"),
        ("line1\nline2", "<p>line1<br />\nline2</p>"),
        ("# not a heading", "<p># not a heading</p>"),
    ],
)
def test_render(body: str, html: str) -> None:
    assert render(body) == html


def test_links_are_safe() -> None:
    assert render("[x](javascript:alert(1))") == "<p>[x](javascript:alert(1))</p>"
    out = render("[docs](https://example.com/a)")
    assert 'href="https://example.com/a"' in out
    assert 'rel="noopener noreferrer nofollow"' in out


def test_render_keeps_its_signature_and_cache() -> None:
    # ``people``: the ids a body's mentions name that are someone's (channels/mentions.py).
    assert str(inspect.signature(render)) == (
        "(body: 'str', people: 'frozenset[int]' = frozenset()) -> 'str'"
    )
    render.cache_clear()
    first = render("cached *once*")
    assert render("cached *once*") is first
    info = render.cache_info()
    assert (info.hits, info.misses, info.maxsize) == (1, 1, 4096)


# ---- ordinary Markdown renders as it did -----------------------------------------------


def _before() -> MarkdownIt:
    """The renderer as it was before bounds, bare URLs and image links."""
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "breaks": True}).disable(
        ["image", "heading", "lheading", "hr", "html_block", "html_inline"]
    )

    def link_open(self, tokens, idx, options, env):  # type: ignore[no-untyped-def]
        tokens[idx].attrSet("rel", "noopener noreferrer nofollow")
        tokens[idx].attrSet("target", "_blank")
        return self.renderToken(tokens, idx, options, env)

    md.add_render_rule("link_open", link_open)
    return md


# No bare URLs and no images: those two are what changed on purpose.
ORDINARY = [
    "おはようございます！今日の全体会議は **10時から** 大会議室です。資料は"
    "[共有フォルダ](https://intra.example.co.jp/share/meeting) にあります。",
    "新人のみなさんへ：\n\n- 社内Wikiの[オンボーディング](https://wiki.example.co.jp/a)を読んで"
    "ください\n- 困ったら #help チャンネルへ\n- 金曜日はランチ会があります 🍣",
    "Quick question: why does `make test` fail with\n\n```\nE   OperationalError: "
    "database is locked\n```\n\non a fresh checkout?",
    "> 来週の予定は？\n\n月曜と水曜は空いています。*木曜*は出張です。",
    "1. Reviewed PR #1423\n2. Fixed `test_outbox.py`\n3. Docs for **presence**\n\n"
    "See [the board](https://jira.example.com/board/12?filter=me&sort=desc).",
    "- a\n  - nested *list*\n    - deeper `code`\n\n> quote\n> > in a quote with [link](/x)",
    '[ref link][r] and [r]\n\n[r]: https://example.com/ref "Title"',
    "<https://example.com/autolink> and <bob@example.com>",
    "escaped \\*stars\\* and &amp; entities &copy; and trailing backslash\\\nnext",
    "    indented code\n\n---\n\n***\n\n<div>raw</div>",
    "**nested _emphasis_ inside** and ***both*** and ~~not strike~~",
    "Note: 12:30 start, ratio 3:2, see section 4: intro",
]


@pytest.mark.parametrize("body", ORDINARY)
def test_ordinary_markdown_renders_as_before(body: str) -> None:
    assert render(body) == _before().render(body).strip()


def test_ordinary_posts_spend_a_small_part_of_the_budget() -> None:
    long_post = "\n\n".join(ORDINARY) * 6
    assert 5_000 < len(long_post) <= MAX_BODY_CHARS
    assert render(long_post) == _before().render(long_post).strip()
    assert cost(long_post) < STEP_LIMIT / 2
    assert max(cost(body) for body in ORDINARY) < 300


# ---- bare URLs ---------------------------------------------------------------------------


def a(href: str, text: str | None = None) -> str:
    return f'<a href="{href}" {LINK}>{text or href}</a>'


@pytest.mark.parametrize(
    ("body", "html"),
    [
        (
            "notes at https://example.com/notes/482 - thanks",
            f"<p>notes at {a('https://example.com/notes/482')} - thanks</p>",
        ),
        (
            "詳細はhttps://example.com/aを参照",
            f"<p>詳細は{a('https://example.com/a')}を参照</p>",
        ),
        (
            "資料：http://example.com/x?a=1&b=2。よろしく",
            f"<p>資料：{a('http://example.com/x?a=1&amp;b=2')}。よろしく</p>",
        ),
        (
            "（https://example.com/b）と「https://example.com/c」",
            f"<p>（{a('https://example.com/b')}）と「{a('https://example.com/c')}」</p>",
        ),
        ("see https://example.com/a.", f"<p>see {a('https://example.com/a')}.</p>"),
        ("(https://example.com/a)", f"<p>({a('https://example.com/a')})</p>"),
        ("*https://example.com/e*", f"<p><em>{a('https://example.com/e')}</em></p>"),
        (
            "連絡はmailto:bob@example.comまで",
            f"<p>連絡は{a('mailto:bob@example.com')}まで</p>",
        ),
        (
            "HTTPS://Example.COM/Path",
            f"<p>{a('HTTPS://Example.COM/Path')}</p>",
        ),
        (
            'quote" https://example.com/a"b',
            f"<p>quote&quot; {a('https://example.com/a')}&quot;b</p>",
        ),
    ],
)
def test_bare_urls_become_links(body: str, html: str) -> None:
    assert render(body) == html


@pytest.mark.parametrize(
    "body",
    [
        "javascript:alert(1)",
        "javascript://example.com/%0Aalert(1)",
        "data:text/html;base64,PHNjcmlwdD4=",
        "data://text/html,<b>x</b>",
        "vbscript:msgbox(1) file:///etc/passwd ftp://example.com/f",
        "www.example.com and example.com and README.md",
        "bob@example.com",
        "//example.com/x",
        "http:/example.com https:example.com http://",
        "xhttps://example.com",
        "https://日本.jp/a",
        "`https://example.com/in-code`",
    ],
)
def test_other_urls_stay_text(body: str) -> None:
    assert "<a " not in render(body)


def test_a_bare_url_never_takes_japanese_text() -> None:
    out = render("ページhttps://example.com/wiki/東京タワーを見て")
    assert out == f"<p>ページ{a('https://example.com/wiki/')}東京タワーを見て</p>"
    # The whole URL is linked between angle brackets.
    out = render("<https://ja.wikipedia.org/wiki/東京>を見て")
    assert 'href="https://ja.wikipedia.org/wiki/%E6%9D%B1%E4%BA%AC"' in out
    assert out.endswith("</a>を見て</p>")


def test_no_link_inside_a_link() -> None:
    out = render("[see https://example.com/a](https://example.com/b)")
    assert out == f"<p>{a('https://example.com/b', 'see https://example.com/a')}</p>"


def test_hostile_link_targets_stay_text() -> None:
    for body in (
        "[x](javascript:alert(1))",
        "[x](JAVASCRIPT:alert(1))",
        "[x](data:image/png;base64,AAAA)",
        "[x](data:text/html,hi)",
        "[x](vbscript:x)",
        "<javascript:alert(1)>",
        "<data:text/html,hi>",
        "[x][r]\n\n[r]: javascript:alert(1)",
    ):
        assert "href" not in render(body), body


# ---- images ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "html"),
    [
        (
            "![a chart](https://example.com/c.png)",
            f"<p>{a('https://example.com/c.png', 'a chart')}</p>",
        ),
        (
            'look: ![*bold* alt](/p.gif "Title")!',
            f'<p>look: <a href="/p.gif" title="Title" {LINK}>bold alt</a>!</p>',
        ),
        ("![](https://example.com/p.gif)", f"<p>{a('https://example.com/p.gif')}</p>"),
        (
            "[![badge](https://ci.example/b.svg)](https://ci.example/job)",
            f"<p>{a('https://ci.example/job', 'badge')}</p>",
        ),
        (
            "![r][img]\n\n[img]: https://example.com/i.png",
            f"<p>{a('https://example.com/i.png', 'r')}</p>",
        ),
        ("![<b>x</b>](/y)", f"<p>{a('/y', '&lt;b&gt;x&lt;/b&gt;')}</p>"),
    ],
)
def test_images_become_links_never_fetched(body: str, html: str) -> None:
    assert render(body) == html


def test_images_with_hostile_sources_stay_text() -> None:
    for body in ("![x](javascript:alert(1))", "![x](data:image/png;base64,AAAA)"):
        assert render(body) == f"<p>{body}</p>"


# ---- adversarial bodies: bounded, and safe ------------------------------------------------


def fill(unit: str, size: int = MAX_BODY_CHARS) -> str:
    return (unit * (size // len(unit) + 1))[:size]


ADVERSARIAL = {
    "[* repeated": fill("[*"),
    "[ repeated": fill("["),
    "![ repeated": fill("!["),
    "nested brackets": "[" * 5000 + "]" * 5000,
    "*a repeated": fill("*a"),
    "**a repeated": fill("**a"),
    "nested emphasis": "*" * 5000 + "a" + "*" * 4999,
    "links and emphasis": fill("[ a_"),
    "unclosed links": fill("[a](b"),
    "unclosed images": fill("![a]("),
    "![[]() repeated": fill("![[]()"),
    "reference chain": fill("[a]["),
    "references": fill("".join(f"[{i}]: /u{i}\n" for i in range(1400)), 6000) + fill("[1] ", 4000),
    "one long list": fill("- a\n"),
    "paragraphs": fill("a\n\n"),
    "nested quotes": ">" * 9999 + "a",
    "nested lists": fill("".join("  " * i + "- a\n" for i in range(300))),
    "backtick runs": fill("".join("e" + "`" * i for i in range(1, 200))),
    "code spans": fill("`a"),
    "a:// repeated": fill("a://"),
    "https:// repeated": fill("https://"),
    "many bare URLs": fill("x https://a.b/"),
    "mailto: repeated": fill("mailto:"),
    "a long reference URL used 1,600 times": fill(
        "[1]: /" + "u" * 5000 + "\n\n" + fill("[1]", 4990)
    ),
    "a long reference title used 3,000 times": '[1]: /u "'
    + "t" * 1000
    + '"\n\n'
    + fill("[1]", 8988),
    "hostile text in a slow body": fill("[*<script>alert(1)</script>\n"),
    "hostile links in a slow body": fill("[*[x](javascript:alert(1))![i](data:image/png;base64,A)"),
}

ALLOWED = {"p", "br", "em", "strong", "code", "pre", "a", "blockquote", "ul", "ol", "li"}
ALLOWED_ATTRS = {
    "a": {"href", "rel", "target", "title"},
    "ol": {"start"},
    "code": {"class"},
}


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.seen: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.seen.append((tag, attrs))


def assert_safe(html: str) -> None:
    parser = _Tags()
    parser.feed(html)
    parser.close()
    for tag, attrs in parser.seen:
        assert tag in ALLOWED, tag
        for name, value in attrs:
            assert name in ALLOWED_ATTRS.get(tag, set()), (tag, name)
            if name == "href":
                assert value is not None
                # Bare URLs are only http(s) and mailto; written links (``<tel:1>``,
                # ``[x](zoommtg://…)``) may have any scheme but these.
                scheme = value.split(":", 1)[0].strip().lower()
                assert scheme not in ("javascript", "vbscript", "file", "data"), value
        if tag == "a":
            assert ("rel", "noopener noreferrer nofollow") in attrs
            assert ("target", "_blank") in attrs
    assert "<script" not in html.lower() and "<img" not in html.lower()


@pytest.mark.parametrize("name", ADVERSARIAL)
def test_adversarial_bodies_render_safe_and_bounded(name: str) -> None:
    body = ADVERSARIAL[name]
    assert len(body) <= MAX_BODY_CHARS
    html = render(body)
    assert_safe(html)
    assert len(html) <= 20 * MAX_BODY_CHARS
    assert html == plain(body) or cost(body, STEP_LIMIT) <= STEP_LIMIT


@pytest.mark.parametrize(
    "name",
    [
        "[* repeated",
        "[ repeated",
        "![ repeated",
        "unclosed links",
        "nested emphasis",
        "a long reference URL used 1,600 times",
    ],
)
def test_pathological_bodies_spend_the_budget_and_show_as_text(name: str) -> None:
    body = ADVERSARIAL[name]
    assert cost(body, STEP_LIMIT) > STEP_LIMIT
    assert render(body) == plain(body)


def test_the_issue_body_is_shown_as_escaped_text() -> None:
    body = "[*" * 5000
    assert render(body) == f"<p>{body}</p>"
    body = fill("[*<b>x</b>\n", MAX_BODY_CHARS - 2) + "\r\n"
    html = render(body)
    assert html.startswith("<p>[*&lt;b&gt;x&lt;/b&gt;<br />\n[*&lt;b&gt;")
    assert "<b>" not in html and "\r" not in html


def test_the_same_body_always_renders_the_same() -> None:
    body = fill("*a") + ""  # a new string each time: not from the cache
    assert render_with(body, STEP_LIMIT) == render_with(body, STEP_LIMIT) == plain(body)
    # Just over and just under what it costs:
    short = "*a " * 100
    spent = cost(short)
    assert render_with(short, spent) == _before().render(short).strip()
    assert render_with(short, spent - 1) == plain(short)


def test_plain() -> None:
    assert plain('a <b> & "c"\r\nd\n\n\n  e  \n') == (
        "<p>a &lt;b&gt; &amp; &quot;c&quot;<br />\nd</p>\n<p>e</p>"
    )
    assert plain(" \n\t") == ""
    assert plain("x\0y") == "<p>x\ufffdy</p>"


PIECES = [*"[]()!*_`<>\\&#:/.-=\"' \n", "a", "あ", "http://", "https://x.y/", "mailto:", "  "]


@settings(deadline=None, max_examples=300)
@given(
    st.lists(st.sampled_from(PIECES), max_size=120).map("".join),
    st.integers(min_value=0, max_value=400),
)
def test_any_body_any_budget_renders_safe(body: str, steps: int) -> None:
    """Whatever the body and wherever the budget runs out, the answer is safe
    HTML: the Markdown when it fits, the plain text when it does not."""
    html = render_with(body, steps)
    assert_safe(html)
    fits = cost(body, steps) <= steps
    assert html == (render_with(body, STEP_LIMIT) if fits else plain(body))
