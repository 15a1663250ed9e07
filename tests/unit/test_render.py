"""Bodies are light Markdown rendered to safe HTML."""

from __future__ import annotations

import pytest

from channels.render import render


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


def test_images_become_links_never_fetched() -> None:
    out = render("![x](http://tracker.example/p.gif)")
    assert "<img" not in out and 'href="http://tracker.example/p.gif"' in out


def test_links_are_safe() -> None:
    assert render("[x](javascript:alert(1))") == "<p>[x](javascript:alert(1))</p>"
    out = render("[docs](https://example.com/a)")
    assert 'href="https://example.com/a"' in out
    assert 'rel="noopener noreferrer nofollow"' in out
