"""Light Markdown to safe HTML. Raw HTML in a body is escaped, never passed
through; links keep only safe schemes (markdown-it's validateLink refuses
``javascript:``, ``vbscript:``, ``file:`` and ``data:``) and open in a new tab
without an opener; images are off so a post cannot make readers fetch a URL."""

from __future__ import annotations

from functools import lru_cache

from markdown_it import MarkdownIt

_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "breaks": True}).disable(
    ["image", "heading", "lheading", "hr", "html_block", "html_inline"]
)


def _link_open(self, tokens, idx, options, env):  # type: ignore[no-untyped-def]
    tokens[idx].attrSet("rel", "noopener noreferrer nofollow")
    tokens[idx].attrSet("target", "_blank")
    return self.renderToken(tokens, idx, options, env)


_md.add_render_rule("link_open", _link_open)


@lru_cache(maxsize=4096)
def render(body: str) -> str:
    html: str = _md.render(body)
    return html.strip()
