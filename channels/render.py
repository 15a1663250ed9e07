"""Light Markdown to safe HTML, in bounded time.

Owns the one function that turns a post's body into the HTML stored with it
(``render``), and the rules of that dialect: CommonMark without headings,
rules, raw HTML or images, with hard line breaks. It does not own where the
HTML is stored or when it is made (``channels.actions.posts`` renders at write
time, ``channels.reads`` for rows written before HTML was stored).

Safety:

- Raw HTML in a body is escaped, never passed through.
- Links keep only safe schemes: ``javascript:``, ``vbscript:``, ``file:`` and
  every ``data:`` URL are refused (the link stays text). Every link opens in a
  new tab without an opener.
- Images are off, so a post cannot make readers fetch a URL: ``![alt](url)``
  becomes a link to ``url`` whose text is the alt text (the URL when there is
  none), and only the alt text inside another link.
- Mentions (channels/mentions.py) become chips: ``@[佐藤 花子](42)``, when 42
  is someone's id (``people``: the caller looks the ids up), becomes
  ``<a class="mention" data-user="42" href="#/people/42">@佐藤 花子</a>`` (the
  name as written, escaped); another id stays text as written, never a link.
  ``@channel`` becomes ``<span class="mention" data-mention="channel">``. Not
  in code, not inside a link.
- Bare ``http://``, ``https://`` and ``mailto:`` URLs become links; nothing
  else does (no ``www.example.com`` guessing: ``README.md`` is a file name, not
  a site in Moldova). A bare URL ends at the first space, control or
  non-ASCII character, because Japanese text runs straight on from a URL
  (``詳細はhttps://example.com/aを参照``): a URL with raw non-ASCII characters
  in it is linked whole between angle brackets, ``<https://ja.wikipedia.org/wiki/東京>``.

Time: markdown-it-py is linear on most input but costs microseconds per token
(it is Python) and has superlinear corners: from every ``[`` it scans ahead
for the link text's ``]``, a token at a time (``[*`` repeated to 10,000
characters took ~250 ms), and its bare-URL rule searched all the text before
every ``://``. So rendering spends from a budget of steps (``STEP_LIMIT``),
each kind of work charged what it costs (the ``COST_*`` weights), before doing
it where it can; a body that runs out is shown as escaped plain text with its
line breaks (``plain``). The budget is deterministic: the same body renders the
same way on any node however busy, which matters because the HTML is stored.
``bench/render.py`` measures it; docs/performance.md has the figures.
"""

from __future__ import annotations

import re
import sys
from contextvars import ContextVar
from functools import lru_cache
from types import SimpleNamespace
from typing import Any

import mdurl
from linkify_it import LinkifyIt
from markdown_it import MarkdownIt, helpers
from markdown_it.common.utils import escapeHtml
from markdown_it.rules_block import StateBlock
from markdown_it.rules_core import StateCore
from markdown_it.rules_inline import StateInline
from markdown_it.rules_inline import backtick as _backticks_rule
from markdown_it.rules_inline import image as _image_rule
from markdown_it.rules_inline import link as _link_rule
from markdown_it.rules_inline.emphasis import tokenize as _emphasis_rule
from markdown_it.token import Token

from channels import mentions

STEP_LIMIT = 20_000
"""What one body may spend, in steps of about a microsecond of CPU each on the
machine of docs/performance.md. Ordinary posts spend 10 to 200; the long post
of ``bench/render.py`` (~8,000 characters of prose, lists, links and code)
~4,500; a 10,000-character list of 270 bare links ~12,600. A body that would
spend more is shown as plain text after at most ~25 ms, where ``[*`` repeated
took ~250 ms before."""

# What each kind of work costs, in steps: the CPU time of markdown-it-py on the
# inputs of bench/render.py (ordinary, long and adversarial), fitted per kind and
# rounded up, in microseconds on the machine of docs/performance.md.
COST_BLOCK = 12  # the block rules tried at a line, which starts a block
COST_BLOCK_CHECK = 4  # the block rules asked whether a line ends the block above
COST_BLOCK_TOKEN = 2  # a block token made (each is parsed inline and rendered)
COST_INLINE = 2  # the inline rules tried where text stops, with the text before it
COST_SKIP = 1  # a position skipped while a link's text is scanned for its "]" (~0.4)
COST_DELIMITER = 4  # a "*" or "_": a token and a delimiter, paired up later
COST_CODE = 3  # a code span made
COST_LINK = 2  # a "[" or "![" tried as a link
COST_LINK_MADE = 10  # a link made: its URL normalised and checked, its tokens
COST_URL = 1  # a bare URL tried after its scheme...
URL_CHARS = 20  # ...and a step per this many characters it may match
COST_URL_MADE = 8  # a bare URL made a link
DESTINATION_CHARS = 128  # a link destination may scan this many characters per step
HREF_CHARS = 8  # a link's URL and title, written out, cost a step per this many characters
COST_MENTION = 4  # a mention tried at its "[" (or an @channel found) and made a chip

URL_MAX = 2048
"""Longest bare URL that is linked, in characters (longer ones stay text), so
that finding where one ends never scans far."""

_BAD_SCHEME = re.compile(r"^(?:javascript|vbscript|file|data):")
_URL_END = re.compile(r"[^\x21-\x7e]")  # a space, a control or a non-ASCII character
_SCHEME_TAIL = re.compile(r"(?:^|[^a-z0-9.+-])([a-z][a-z0-9.+-]*)\Z", re.IGNORECASE)
_SCHEME_MAX = 32  # longest scheme looked for before ":" (the known ones are shorter)
_DELIMITER_RUN = re.compile(r"\*+|_+")
_DESTINATION_END = re.compile(r"[\x00-\x20\x7f]")
_BLANK_LINES = re.compile(r"\n(?:[ \t]*\n)+")
_WORD_CHAR = re.compile(r"[0-9A-Za-z_]")
_EVERYONE = re.compile(r"(?<![0-9A-Za-z_])@channel(?![0-9A-Za-z_])")


class _TooComplexError(Exception):
    """The body has spent its steps."""


class _Budget:
    __slots__ = ("left",)

    def __init__(self, steps: int) -> None:
        self.left = steps


# The budget of the render under way. Rendering never awaits, so a context
# variable (rather than markdown-it's env) also reaches the link helpers, which
# are given no state.
_budget: ContextVar[_Budget] = ContextVar("kaisha_render_budget")


def _spend(steps: int) -> None:
    budget = _budget.get()
    budget.left -= steps
    if budget.left < 0:
        raise _TooComplexError


def _spend_block(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    # Silent: asked whether this line ends the paragraph (or list, or quote) above.
    _spend(COST_BLOCK_CHECK if silent else COST_BLOCK)
    return False  # matches nothing: the real rules follow


def _spend_block_tokens(state: StateCore) -> None:
    _spend(COST_BLOCK_TOKEN * len(state.tokens))


def _counted_skip_token(state: StateInline) -> None:
    # Scanning a link's text ahead skips one token at a time, memoised per
    # position; from every "[" again, which is what made "[*" repeated slow.
    _spend(COST_SKIP)
    _skip_token(state)


def _emphasis(state: StateInline, silent: bool) -> bool:
    if state.src[state.pos] not in "*_":
        return False
    if not silent:
        run = _DELIMITER_RUN.match(state.src, state.pos, state.posMax)
        assert run is not None  # silent, the rule does nothing: emphasis is paired up later
        _spend(COST_DELIMITER * len(run.group()))  # a token and a delimiter per character
    return _emphasis_rule(state, silent)


def _code(state: StateInline, silent: bool) -> bool:
    if state.src[state.pos] != "`" or not _backticks_rule(state, silent):
        return False
    _spend(COST_CODE)
    return True


def _link(state: StateInline, silent: bool) -> bool:
    """A link, or an image (made a link later): one rule for both, so that other
    positions pay for one check."""
    src, pos = state.src, state.pos
    if src[pos] == "[":
        rule = _link_rule
    elif src[pos] == "!" and src.startswith("[", pos + 1):
        rule = _image_rule
    else:
        return False
    _spend(COST_LINK)
    if not rule(state, silent):
        return False
    _spend(COST_LINK_MADE)
    return True


def _destination(string: str, pos: int, maximum: int) -> Any:
    """markdown-it's ``parseLinkDestination``, paying for what it may scan: a
    bare destination runs to the next space or control character, and each of
    32 nested ``[a](`` rescans what the next one scans."""
    if not string.startswith("<", pos):
        stop = _DESTINATION_END.search(string, pos, maximum)
        _spend(((stop.start() if stop else maximum) - pos) // DESTINATION_CHARS)
    return helpers.parseLinkDestination(string, pos, maximum)


class _Markdown(MarkdownIt):
    def validateLink(self, url: str) -> bool:
        # markdown-it lets data:image/... through, for images; images are links here.
        return not _BAD_SCHEME.match(url.strip().lower())


def _url_patterns() -> dict[str, re.Pattern[str]]:
    """The tail after ``scheme:`` of each scheme linked bare, from linkify-it's grammar."""
    grammar = LinkifyIt(options={"fuzzy_link": False, "fuzzy_email": False}).re
    web = re.compile(
        "//" + grammar["src_auth"] + grammar["src_host_port_strict"] + grammar["src_path"],
        re.IGNORECASE,
    )
    mail = re.compile(grammar["src_email_name"] + "@" + grammar["src_host_strict"], re.IGNORECASE)
    return {"http": web, "https": web, "mailto": mail}


_URL_TAILS = _url_patterns()


def _tail_length(pattern: re.Pattern[str], text: str, pos: int, stop: int) -> int:
    """Length of a URL's tail (what follows ``scheme:``) at ``pos``, 0 if none."""
    limit = min(stop, pos + URL_MAX)
    end = _URL_END.search(text, pos, limit)
    if end is None and limit < stop:
        return 0  # longer than URL_MAX
    end_pos = end.start() if end else limit
    _spend(COST_URL)  # matching it, found or not
    _spend((end_pos - pos) // URL_CHARS)
    found = pattern.match(text, pos, end_pos)
    return len(found.group()) if found else 0


def _bare_url(state: StateInline, silent: bool) -> bool:
    """A bare ``http://``, ``https://`` or ``mailto:`` URL, found at its ``:``.

    Replaces markdown-it's linkify rules: its inline rule searched all the text
    before each ``://`` for a scheme (quadratic on ``a://`` repeated, 0.6 s for
    10,000 characters), and its core rule runs linkify-it's large pretest over
    every paragraph. The URL grammar is still linkify-it's.
    """
    _spend(COST_INLINE)  # tried wherever the text rule stopped: the budget's inline step
    pos, src = state.pos, state.src
    if src[pos] != ":" or state.linkLevel > 0:
        return False
    pending = state.pending
    found = _SCHEME_TAIL.search(pending, max(0, len(pending) - _SCHEME_MAX))
    if found is None:
        return False
    pattern = _URL_TAILS.get(found.group(1).lower())
    if pattern is None:
        return False
    tail = _tail_length(pattern, src, pos + 1, state.posMax)
    if not tail:
        return False
    scheme = found.group(1)
    url = src[pos - len(scheme) : pos + 1 + tail].rstrip("*")  # "*" may close emphasis
    # An ASCII URL is what it will link to, with unsafe characters %-encoded
    # (markdown-it's normalizeLink does that too, in 5x the time, and keeps an
    # IPv6 host's brackets); the link's text is the URL as written.
    href = state.md.normalizeLink(url) if "[" in url else mdurl.encode(url)
    if not state.md.validateLink(href):
        return False
    _spend(COST_URL_MADE)
    if not silent:
        state.pending = pending[: -len(scheme)]
        token = state.push("link_open", "a", 1)
        token.attrs = {"href": href}
        token.markup = "linkify"
        token.info = "auto"
        token = state.push("text", "", 0)
        token.content = url
        token = state.push("link_close", "a", -1)
        token.markup = "linkify"
        token.info = "auto"
    state.pos += len(url) - len(scheme)
    return True


def _mention(state: StateInline, silent: bool) -> bool:
    """``@[name](id)``, found at its ``[`` with the ``@`` just before it (the
    text rule has already taken the ``@`` into ``pending``). An id in
    ``env["people"]`` makes a chip; any other, the text as written (not a link)."""
    src, pos = state.src, state.pos
    if src[pos] != "[" or pos == 0 or src[pos - 1] != "@" or state.linkLevel > 0:
        return False
    if pos >= 2 and _WORD_CHAR.match(src[pos - 2]):
        return False
    if not silent and not state.pending.endswith("@"):
        return False  # an escaped "\@"
    found = mentions.TAIL.match(src, pos, state.posMax)
    if found is None:
        return False
    _spend(COST_MENTION)
    if not silent:
        user_id = int(found.group(2))
        if user_id in state.env.get("people", ()):
            state.pending = state.pending[:-1]
            token = state.push("mention", "", 0)
            token.meta = {"id": user_id, "name": found.group(1)}
        else:
            state.pending += found.group()
    state.pos = found.end()
    return True


def _everyone(state: StateCore) -> None:
    """``@channel`` in text (not in code, not inside a link) becomes a chip. A
    core rule, after the inline ones: an ``@`` does not stop the text rule."""
    for block in state.tokens:
        children = block.children
        if block.type != "inline" or not children or "@channel" not in block.content:
            continue
        out: list[Token] = []
        depth = 0
        for token in children:
            if token.type == "link_open":
                depth += 1
            elif token.type == "link_close":
                depth -= 1
            if token.type != "text" or depth or "@channel" not in token.content:
                out.append(token)
                continue
            text, last = token.content, 0
            for found in _EVERYONE.finditer(text):
                _spend(COST_MENTION)
                if found.start() > last:
                    out.append(_text(text[last : found.start()], token.level))
                out.append(Token("mention_all", "", 0, level=token.level))
                last = found.end()
            if last == 0:
                out.append(token)
            elif last < len(text):
                out.append(_text(text[last:], token.level))
        block.children = out


def _text(content: str, level: int) -> Token:
    token = Token("text", "", 0, level=level)
    token.content = content
    return token


def _alt_text(tokens: list[Token] | None) -> str:
    out: list[str] = []
    for token in tokens or ():
        if token.type in ("text", "text_special", "code_inline"):
            out.append(token.content)
        elif token.type == "image":
            out.append(_alt_text(token.children))
        elif token.type in ("softbreak", "hardbreak"):
            out.append("\n")
    return "".join(out)


def _images_as_links(state: StateCore) -> None:
    """``![alt](url)`` becomes ``[alt](url)``; inside a link, just ``alt``."""
    for block in state.tokens:
        children = block.children
        if block.type != "inline" or not children:
            continue
        if "![" not in block.content:
            continue
        out: list[Token] = []
        depth = 0
        for token in children:
            if token.type == "link_open":
                depth += 1
            elif token.type == "link_close":
                depth -= 1
            if token.type != "image":
                out.append(token)
                continue
            href = str(token.attrGet("src") or "")
            text = Token("text", "", 0, level=token.level + (0 if depth else 1))
            text.content = _alt_text(token.children) or href
            if depth:
                out.append(text)
                continue
            opening = Token("link_open", "a", 1, level=token.level, attrs={"href": href})
            title = token.attrGet("title")
            if title:
                opening.attrSet("title", title)
            out += [opening, text, Token("link_close", "a", -1, level=token.level)]
        block.children = out


_md = _Markdown("commonmark", {"html": False, "linkify": False, "breaks": True})
_md.disable(["heading", "lheading", "hr", "html_block", "html_inline"])
_md.inline.ruler.at("linkify", _bare_url)  # right after "text": where text stops
_md.inline.ruler.enable("linkify")
_md.inline.ruler.at("backticks", _code)
_md.inline.ruler.at("emphasis", _emphasis)
_md.inline.ruler.at("link", _link)
_md.inline.ruler.before("link", "mention", _mention)
_md.core.ruler.after("inline", "images_as_links", _images_as_links)
# Before text_join, which would make an escaped "\@channel" plain "@channel".
_md.core.ruler.after("images_as_links", "everyone", _everyone)
# The budget: a block rule that matches nothing, tried first at every line and
# wherever a paragraph may end; the block tokens; the inline steps above.
_md.block.ruler.before(
    "table", "budget", _spend_block, {"alt": ["paragraph", "reference", "blockquote", "list"]}
)
_md.core.ruler.after("block", "budget", _spend_block_tokens)
_skip_token = _md.inline.skipToken
_md.inline.skipToken = _counted_skip_token  # type: ignore[method-assign]
_md.helpers = SimpleNamespace(  # type: ignore[assignment]  # the helpers module by default
    parseLinkLabel=helpers.parseLinkLabel,
    parseLinkDestination=_destination,
    parseLinkTitle=helpers.parseLinkTitle,
)


def _link_open(self, tokens, idx, options, env):  # type: ignore[no-untyped-def]
    token = tokens[idx]
    # A reference's URL and title are written out at every use: paid for by size,
    # so that 10,000 characters cannot become megabytes of HTML.
    _spend(
        (len(str(token.attrGet("href") or "")) + len(str(token.attrGet("title") or "")))
        // HREF_CHARS
    )
    token.attrSet("rel", "noopener noreferrer nofollow")
    token.attrSet("target", "_blank")
    return self.renderToken(tokens, idx, options, env)


_md.add_render_rule("link_open", _link_open)


def _mention_chip(self, tokens, idx, options, env):  # type: ignore[no-untyped-def]
    meta = tokens[idx].meta
    return mentions.chip(meta["id"], meta["name"])


def _everyone_chip(self, tokens, idx, options, env):  # type: ignore[no-untyped-def]
    return mentions.EVERYONE_CHIP


_md.add_render_rule("mention", _mention_chip)
_md.add_render_rule("mention_all", _everyone_chip)


def plain(body: str) -> str:
    """The body as escaped text: paragraphs at blank lines, ``<br />`` at line breaks."""
    text = body.replace("\r\n", "\n").replace("\r", "\n").replace("\0", "\ufffd").strip()
    if not text:
        return ""
    paragraphs = _BLANK_LINES.split(escapeHtml(text))
    return "\n".join("<p>" + p.strip().replace("\n", "<br />\n") + "</p>" for p in paragraphs)


def render_with(body: str, steps: int, people: frozenset[int] = frozenset()) -> str:
    """``body`` rendered within ``steps`` (see ``STEP_LIMIT``), else as ``plain``
    text; mentions of ``people`` (ids) become chips."""
    budget = _budget.set(_Budget(steps))
    try:
        html: str = _md.render(body, {"people": people})
    except _TooComplexError:
        return plain(body)
    finally:
        _budget.reset(budget)
    return html.strip()


def cost(body: str, limit: int = sys.maxsize, people: frozenset[int] = frozenset()) -> int:
    """The steps rendering ``body`` spends, or ``limit + 1`` once it has spent more
    than ``limit`` (for benchmarks and tests)."""
    budget = _Budget(limit)
    reset = _budget.set(budget)
    try:
        _md.render(body, {"people": people})
    except _TooComplexError:
        return limit + 1
    finally:
        _budget.reset(reset)
    return limit - budget.left


@lru_cache(maxsize=4096)
def render(body: str, people: frozenset[int] = frozenset()) -> str:
    """``body`` as safe HTML, within ``STEP_LIMIT`` steps (else as ``plain``
    text). ``people``: the ids its mentions name that are someone's
    (``mentions.known``); mentions of other ids stay text."""
    return render_with(body, STEP_LIMIT, people)
