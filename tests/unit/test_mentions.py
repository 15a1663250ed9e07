"""Mentions in a body: what the renderer makes chips of, and what a rendered
post is read back to mention (channels/mentions.py, channels/render.py)."""

from __future__ import annotations

import pytest

from channels import mentions
from channels.render import STEP_LIMIT, cost, render

CHIP_42 = '<a class="mention" data-user="42" href="#/people/42">@佐藤 花子</a>'


def test_a_mention_of_someone_is_a_chip_with_the_name_as_written() -> None:
    body = "こんにちは@[佐藤 花子](42)さん"
    assert render(body, frozenset({42})) == f"<p>こんにちは{CHIP_42}さん</p>"
    assert mentions.mentioned(render(body, frozenset({42}))) == mentions.Mentioned((42,), False)


def test_an_id_that_is_no_ones_stays_text_and_never_a_link() -> None:
    out = render("@[誰か](7) です", frozenset({42}))
    assert out == "<p>@[誰か](7) です</p>"
    assert mentions.mentioned(out) == mentions.Mentioned((), False)


def test_the_name_is_escaped_and_is_only_a_label() -> None:
    out = render("@[<img src=x onerror=alert(1)>](42)", frozenset({42}))
    assert "<img" not in out and "&lt;img src=x onerror=alert(1)&gt;" in out
    assert mentions.mentioned(out).people == (42,)


@pytest.mark.parametrize(
    "body",
    [
        "`@[a](42)` and `@channel`",  # code
        "```\n@[a](42) @channel\n```",  # a code block
        "me@[a](42) x@channel",  # after a letter: not a mention
        "\\@[a](42) \\@channel",  # escaped
        "[see @channel](https://example.com)",  # inside a link
        "@channels @channel_x",  # another word
    ],
)
def test_what_is_not_a_mention(body: str) -> None:
    out = render(body, frozenset({42}))
    assert mentions.mentioned(out) == mentions.Mentioned((), False), out


def test_channel_and_people_each_once_in_order() -> None:
    body = "@channel: @[B](2) と @[A](1)、また @[B](2)"
    out = render(body, frozenset({1, 2}))
    assert mentions.mentioned(out) == mentions.Mentioned((2, 1), True)
    assert mentions.EVERYONE_CHIP in out


def test_raw_html_cannot_forge_a_chip() -> None:
    forged = '<a class="mention" data-user="1">x</a> <span class="mention" data-mention="channel">'
    out = render(forged, frozenset({1}))
    assert mentions.mentioned(out) == mentions.Mentioned((), False)


def test_written_lists_the_candidate_ids_to_look_up() -> None:
    assert mentions.written("@[a](3) @[b](1) @[a](3) x@[c](9) @[d](99999999999)") == [3, 1]
    assert mentions.known("@[a](3) @[b](1)", frozenset({1, 2})) == frozenset({1})
    assert mentions.write("佐藤 [花子]\n", 42) == "@[佐藤  花子](42)"


def test_a_body_full_of_mentions_renders_within_the_budget() -> None:
    body = ("@[佐藤 花子](42) " * 700)[:10_000]
    assert cost(body, STEP_LIMIT, frozenset({42})) <= STEP_LIMIT
    assert mentions.mentioned(render(body, frozenset({42}))).people == (42,)
