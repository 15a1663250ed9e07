"""Actions on SQLite with the in-process bus: what they write, in which streams,
and how they answer retries, stale callers and writes that change nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from channels.actions import channels, people, posts
from channels.facts import CHANNEL
from channels.models import PostPublic, Receipt
from core.errors import ForbiddenError, UnauthorizedError
from org.models import UserUpdate
from org.stream import PERSON
from streams import log
from tests.support.units import Small, small_company


def _post(receipt: Receipt) -> PostPublic:
    assert receipt.post is not None
    return receipt.post


async def _log(small: Small, stream: log.Stream, key: int) -> list[log.Positioned]:
    async with small.db.connection() as conn:
        epoch, head = (await log.heads(conn, stream, [key]))[key]
        return await log.events_between(conn, stream, key, epoch, 0, head, 1000)


async def test_a_retried_write_is_applied_once_and_answers_as_the_first(tmp_path: Path) -> None:
    async with small_company(tmp_path) as small:
        assert small.group.id is not None
        first = await small.act(posts.do_create_post, small.alice, small.group.id, "hi", "c-1")
        again = await small.act(posts.do_create_post, small.alice, small.group.id, "hi", "c-1")
        assert again.duplicate and (again.seq, _post(again).id) == (first.seq, _post(first).id)
        gone = await small.act(posts.do_delete_post, small.alice, _post(first).id, "c-2")
        gone_again = await small.act(posts.do_delete_post, small.alice, _post(first).id, "c-2")
        assert gone_again.duplicate and gone_again.seq == gone.seq
        kinds = [e.kind for e in await _log(small, CHANNEL, small.group.id)]
        assert kinds.count("post.created") == 1 and kinds.count("post.deleted") == 1


async def test_a_stale_copy_of_a_deactivated_person_writes_nothing(tmp_path: Path) -> None:
    """An open socket holds the person as they were when it opened: the write
    itself checks who they are now."""
    async with small_company(tmp_path) as small:
        assert small.group.id is not None and small.alice.id is not None
        await small.act(channels.do_join_channel, small.bob, small.group.id)
        post = await small.act(posts.do_create_post, small.bob, small.group.id, "x", None)
        stale = small.bob.model_copy()
        await small.act(
            people.do_update_user, small.admin, small.bob.id, UserUpdate(is_active=False)
        )
        before = await _log(small, CHANNEL, small.group.id)
        with pytest.raises(UnauthorizedError):
            await small.act(posts.do_create_post, stale, small.group.id, "after", None)
        with pytest.raises(UnauthorizedError):
            await small.act(posts.do_create_comment, stale, _post(post).id, "after", None)
        with pytest.raises(UnauthorizedError):
            await small.act(posts.do_set_like, stale, _post(post).id, True, None)
        assert await _log(small, CHANNEL, small.group.id) == before


async def test_posts_carry_their_author_as_they_are_now(tmp_path: Path) -> None:
    async with small_company(tmp_path) as small:
        assert small.group.id is not None and small.alice.id is not None
        stale = small.alice.model_copy()
        await small.act(
            people.do_update_user, small.admin, small.alice.id, UserUpdate(display_name="有紗")
        )
        written = await small.act(posts.do_create_post, stale, small.group.id, "hi", None)
        assert _post(written).author.display_name == "有紗"


async def test_a_like_that_changes_nothing_writes_nothing(tmp_path: Path) -> None:
    async with small_company(tmp_path) as small:
        assert small.group.id is not None
        post = await small.act(posts.do_create_post, small.alice, small.group.id, "x", None)
        liked = await small.act(posts.do_set_like, small.alice, _post(post).id, True, None)
        again = await small.act(posts.do_set_like, small.alice, _post(post).id, True, None)
        assert again.seq == liked.seq and not again.duplicate
        kinds = [e.kind for e in await _log(small, CHANNEL, small.group.id)]
        assert kinds.count("like.added") == 1


async def test_a_refused_post_in_a_batch_does_not_hold_up_the_others(tmp_path: Path) -> None:
    async with small_company(tmp_path) as small:
        assert small.group.id is not None
        async with small.db.writer() as session:
            answers = await posts.do_create_posts(
                session,
                small.bus,
                [
                    posts.NewPost(small.alice, small.group.id, "one", "b-1"),
                    posts.NewPost(small.bob, small.group.id, "not a member", "b-2"),
                    posts.NewPost(small.alice, small.group.id, "two", "b-3"),
                ],
            )
        assert isinstance(answers[1], ForbiddenError)
        first, third = answers[0], answers[2]
        assert not isinstance(first, Exception) and not isinstance(third, Exception)
        assert third.seq == first.seq + 1


async def test_membership_changes_are_told_in_the_channel_and_to_the_person(
    tmp_path: Path,
) -> None:
    async with small_company(tmp_path) as small:
        assert small.group.id is not None and small.bob.id is not None
        await small.act(channels.do_join_channel, small.bob, small.group.id)
        await small.act(channels.do_leave_channel, small.bob, small.group.id)
        in_channel = [
            (e.kind, e.data["user"]["id"]) for e in await _log(small, CHANNEL, small.group.id)
        ]
        assert in_channel[-2:] == [("member.joined", small.bob.id), ("member.left", small.bob.id)]
        to_bob = [(e.kind, e.data["channel_id"]) for e in await _log(small, PERSON, small.bob.id)]
        assert to_bob[-2:] == [
            ("membership.added", small.group.id),
            ("membership.removed", small.group.id),
        ]
