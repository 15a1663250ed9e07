"""The channel stream and the event kinds channels own, in both streams.

Events that carry a post's text are rewritten when it changes: an edit leaves
only the current text in every earlier event of that post, a delete leaves
none (``TEXT_KINDS``, channels/actions/posts.py), so no replay shows what was
taken back.

In a channel's stream (what its readers see):

- ``post.created``     ``{"post": Post}``
- ``post.edited``      ``{"post": Post}``
- ``post.deleted``     ``{"post_id": 41}``
- ``comment.created``  ``{"post": Post (parent_id set), "comment_count": 3}``
- ``comment.edited``   ``{"post": Post}``
- ``comment.deleted``  ``{"post_id": 57, "parent_id": 41, "comment_count": 2}``
- ``like.added``       ``{"post_id": 41, "user_id": 7, "like_count": 5}``
- ``like.removed``     ``{"post_id": 41, "user_id": 7, "like_count": 4}``
- ``post.hidden``      ``{"post_id": 41, "parent_id": null, "comment_count": null}``:
  a moderator hid it (moderation/): drop it (its author keeps it, marked
  hidden); for a comment, its post's new ``comment_count``
- ``post.unhidden``    ``{"post": Post, "comment_count": null}``: brought back
- ``member.joined``    ``{"user": Person}``
- ``member.left``      ``{"user": Person}``
- ``channel.updated``  ``{"name": "…", "description": "…", "is_private": false,
  "archived": false, "qa": false}``: renamed, described, closed or opened,
  archived, marked Q&A
- ``question.updated`` ``{"post_id": 41, "question": Question}``: a question's
  state or accepted answer changed (channels/questions.py)
- ``poll.voted``       ``{"post_id": 41, "poll": Poll}``: someone voted, changed
  or withdrew their vote: the poll's counts (and, named, voters) as they are
  now (channels/polls.py); ``poll`` null once its post is deleted or hidden
- ``poll.closed``      ``{"post_id": 41, "poll": Poll}``: closed early, results final

In a person's stream (what only they see):

- ``membership.added``   ``{"channel_id": 5, "name": "…", "notify": "mentions"}``:
  added to a channel, at that notification level
- ``membership.removed`` ``{"channel_id": 5, "name": "…"}``: no longer in it
- ``block.added``        ``{"user_id": 7}``: one blocked someone (channels/direct.py)
- ``block.removed``      ``{"user_id": 7}``: one unblocked them
"""

from __future__ import annotations

from typing import ClassVar

from channels.models import (
    Channel,
    ChannelEvent,
    PersonRef,
    PollData,
    PostData,
    QuestionInfo,
)
from core.tables import table_of
from streams.catalogue import Fact, fact
from streams.log import Stream, register

TEXT_KINDS = (
    "post.created",
    "post.edited",
    "comment.created",
    "comment.edited",
    "post.unhidden",
)

CHANNEL = register(
    Stream(
        "channel",
        events=table_of(ChannelEvent),
        event_key="channel_id",
        heads=table_of(Channel),
        head_key="id",
        head_epoch="epoch",
        head_seq="last_seq",
        subject="post_id",
    )
)


class _InChannel(Fact):
    stream: ClassVar[str] = "channel"


class _AboutPost(_InChannel):
    """Carries a post or comment; the event is about it."""

    post: PostData

    def subject(self) -> int | None:
        return self.post.id


class _AboutPostId(_InChannel):
    post_id: int

    def subject(self) -> int | None:
        return self.post_id


@fact
class PostCreated(_AboutPost):
    kind: ClassVar[str] = "post.created"


@fact
class PostEdited(_AboutPost):
    kind: ClassVar[str] = "post.edited"


@fact
class PostDeleted(_AboutPostId):
    kind: ClassVar[str] = "post.deleted"


@fact
class CommentCreated(_AboutPost):
    kind: ClassVar[str] = "comment.created"
    comment_count: int


@fact
class CommentEdited(_AboutPost):
    kind: ClassVar[str] = "comment.edited"


@fact
class CommentDeleted(_AboutPostId):
    kind: ClassVar[str] = "comment.deleted"
    parent_id: int
    comment_count: int


@fact
class PostHidden(_AboutPostId):
    kind: ClassVar[str] = "post.hidden"
    parent_id: int | None
    comment_count: int | None  # a comment's post's, after


@fact
class PostUnhidden(_AboutPost):
    kind: ClassVar[str] = "post.unhidden"
    comment_count: int | None


class _LikeChange(_AboutPostId):
    user_id: int
    like_count: int


@fact
class LikeAdded(_LikeChange):
    kind: ClassVar[str] = "like.added"


@fact
class LikeRemoved(_LikeChange):
    kind: ClassVar[str] = "like.removed"


@fact
class MemberJoined(_InChannel):
    kind: ClassVar[str] = "member.joined"
    user: PersonRef


@fact
class MemberLeft(_InChannel):
    kind: ClassVar[str] = "member.left"
    user: PersonRef


@fact
class ChannelUpdated(_InChannel):
    """The channel as it is now: every field, whichever changed. A reader who sees
    ``is_private`` or ``archived`` change asks for their rights again (they may
    have lost the channel altogether)."""

    kind: ClassVar[str] = "channel.updated"
    name: str
    description: str
    is_private: bool
    archived: bool
    qa: bool = False

    @classmethod
    def of(cls, channel: Channel) -> ChannelUpdated:
        return cls(
            name=channel.name,
            description=channel.description,
            is_private=channel.is_private,
            archived=channel.archived_at is not None,
            qa=channel.qa,
        )


@fact
class QuestionUpdated(_AboutPostId):
    """A question's state as it is now: answered, resolved (``answer_id``, the
    accepted comment), or back to open. Who did it is not told (an anonymous
    asker resolving their own question stays anonymous)."""

    kind: ClassVar[str] = "question.updated"
    question: QuestionInfo


@fact
class PollVoted(_AboutPostId):
    """A poll's results as they are now, after someone voted, changed or
    withdrew their vote. Who did is not told (an anonymous poll stays so);
    a named poll's options list their voters."""

    kind: ClassVar[str] = "poll.voted"
    poll: PollData | None


@fact
class PollClosed(_AboutPostId):
    """Closed early by its author or a moderator: the results are final."""

    kind: ClassVar[str] = "poll.closed"
    poll: PollData | None


class _ToPerson(Fact):
    stream: ClassVar[str] = "person"
    channel_id: int
    name: str


@fact
class MembershipAdded(_ToPerson):
    kind: ClassVar[str] = "membership.added"
    # The level the membership starts at ("all" in a direct conversation,
    # else "mentions").
    notify: str = "mentions"


@fact
class MembershipRemoved(_ToPerson):
    kind: ClassVar[str] = "membership.removed"


class _BlockChange(Fact):
    stream: ClassVar[str] = "person"
    user_id: int


@fact
class BlockAdded(_BlockChange):
    kind: ClassVar[str] = "block.added"


@fact
class BlockRemoved(_BlockChange):
    kind: ClassVar[str] = "block.removed"
