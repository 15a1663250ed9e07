"""Tables for channels, membership, posts (comments are posts with a parent),
likes and the per-channel event log, and the API shapes built from them.
The channel stream and its event kinds: channels/facts.py."""

from __future__ import annotations

import enum
import unicodedata
from datetime import datetime, timedelta
from typing import Annotated, Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, StringConstraints, model_validator
from pydantic import Field as PField
from sqlalchemy import JSON, Column, Index, Text, UniqueConstraint, false, text
from sqlmodel import Field, SQLModel

from core.clock import utcnow
from core.schema import MAX_ID, StrictModel
from core.text import Name

MAX_BODY_CHARS = 10_000
PAGE_SIZE = 50
MAX_FILES = 10  # per post or comment

# A file's id (channels/attachments.py): random URL-safe characters.
FileIdStr = Annotated[
    str, StringConstraints(min_length=16, max_length=32, pattern=r"^[A-Za-z0-9_-]+$")
]


class ChannelKind(enum.StrEnum):
    department = "department"
    group = "group"
    direct = "direct"  # a conversation of two to nine people (channels/direct.py)


MAX_DIRECT_OTHERS = 8  # people one starts a conversation with, or a group holds besides one


class NotifyLevel(enum.StrEnum):
    """What of a channel notifies a member (notify/): ``all`` also every new
    post; ``mentions`` (the default) mentions, @channel, comments on one's posts
    and in one's threads, likes; ``none`` (muted) only mentions of oneself."""

    all = "all"
    mentions = "mentions"
    none = "none"


class Channel(SQLModel, table=True):
    __tablename__ = "channel"
    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=20)
    name: str = Field(max_length=100)
    description: str = Field(default="", max_length=500)
    is_private: bool = False
    # The department this channel belongs to (kind == "department"), one each.
    department_id: int | None = Field(default=None, foreign_key="department.id", unique=True)
    # Positions are (epoch, seq). The epoch changes only if the log is ever reset,
    # telling clients that their seq no longer means anything here.
    epoch: str = Field(max_length=16)
    last_seq: int = 0
    created_by: int | None = Field(default=None, foreign_key="account.id")
    created_at: datetime = Field(default_factory=utcnow)
    # Archived: read-only for everyone (a deleted or merged department's channel);
    # who may read it does not change. channels/access.py.
    archived_at: datetime | None = None
    # A conversation of two (kind "direct"): its people's ids, the smaller first
    # ("3:7"). Unique, so two people starting it at once make one conversation;
    # null for every other channel, group conversations included.
    pair_key: str | None = Field(default=None, max_length=24, unique=True, index=True)
    # A Q&A channel (an interest group its creator or an admin marked so): its
    # posts are questions (channels/questions.py), and newcomers may ask there
    # anonymously.
    qa: bool = Field(default=False, sa_column_kwargs={"server_default": false()})


class Membership(SQLModel, table=True):
    __tablename__ = "membership"
    channel_id: int = Field(foreign_key="channel.id", primary_key=True)
    user_id: int = Field(foreign_key="account.id", primary_key=True, index=True)
    joined_at: datetime = Field(default_factory=utcnow)
    # What of the channel notifies the member (``NotifyLevel``); a membership
    # begins at the default, so leaving and coming back forgets a mute.
    notify: str = Field(
        default=NotifyLevel.mentions.value,
        max_length=10,
        sa_column_kwargs={"server_default": NotifyLevel.mentions.value},
    )
    # Someone added to a group conversation reads it from then on: posts (and
    # their comments) with an id up to this one are not theirs to read
    # (channels/direct.py, ``before_joining``). Null: the whole history.
    since_post: int | None = None


class Block(SQLModel, table=True):
    """``user_id`` blocked ``blocked_id``: neither starts a conversation with the
    other, and their conversation of two takes no posts, comments or likes."""

    __tablename__ = "person_block"
    user_id: int = Field(foreign_key="account.id", primary_key=True)
    blocked_id: int = Field(foreign_key="account.id", primary_key=True, index=True)
    created_at: datetime = Field(default_factory=utcnow)


class Post(SQLModel, table=True):
    """A post, or a comment when ``parent_id`` is set (one level of thread)."""

    __tablename__ = "post"
    __table_args__ = (
        # Pages of top-level posts: a backward range scan of just the page's rows.
        Index(
            "ix_post_channel_top",
            "channel_id",
            "id",
            postgresql_where=text("parent_id IS NULL"),
            sqlite_where=text("parent_id IS NULL"),
        ),
        Index("ix_post_parent", "parent_id", "id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    channel_id: int = Field(foreign_key="channel.id")
    author_id: int = Field(foreign_key="account.id", index=True)
    parent_id: int | None = Field(default=None, foreign_key="post.id")
    body: str = Field(max_length=MAX_BODY_CHARS)
    # ``body`` rendered at write time; None for rows older than migration 0002.
    html: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    created_at: datetime = Field(default_factory=utcnow)
    edited_at: datetime | None = None
    edited_by: int | None = Field(default=None, foreign_key="account.id")  # who edited it last
    deleted_at: datetime | None = None
    # Hidden by a moderator (moderation/): gone for everyone but its author, who
    # sees it marked with the reason; reversible, unlike a delete.
    hidden_at: datetime | None = None
    hidden_reason: str | None = Field(default=None, max_length=1000)
    like_count: int = 0
    comment_count: int = 0
    # The files it carries, as ``FileRef`` dicts (channels/attachments.py), in
    # the order given: pages and events show them without a join.
    files: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False, server_default="[]")
    )
    # Written as "匿名の新人" (an anonymous question in a Q&A channel, and its
    # asker's comments under it): ``author_id`` is kept for admins, and no read
    # a member can make shows it (channels/questions.py).
    anonymous: bool = Field(default=False, sa_column_kwargs={"server_default": false()})


class QuestionState(enum.StrEnum):
    unanswered = "unanswered"  # nobody but the asker has commented
    answered = "answered"  # someone else commented
    resolved = "resolved"  # one comment is marked as the answer


class Question(SQLModel, table=True):
    """A post that is a question (every post of a Q&A channel, a post flagged so
    in a direct conversation): its state, its accepted answer, and what the
    waiting alerts (questions/alerts.py) and the figures read."""

    __tablename__ = "question"
    __table_args__ = (
        # Open questions, oldest first (the page, the alert job, counts).
        Index("ix_question_open", "state", "asked_at"),
        Index("ix_question_channel", "channel_id", "asked_at"),
    )
    post_id: int = Field(foreign_key="post.id", primary_key=True)
    channel_id: int = Field(foreign_key="channel.id")
    asker_id: int = Field(foreign_key="account.id", index=True)
    anonymous: bool = False
    direct: bool = False  # asked in a direct conversation (no moderators' step)
    state: str = Field(default=QuestionState.unanswered.value, max_length=12)
    answer_id: int | None = Field(default=None, foreign_key="post.id")
    asked_at: datetime = Field(default_factory=utcnow)
    first_answer_at: datetime | None = None  # the first comment by someone else
    resolved_at: datetime | None = None
    # Set by the alert job's claim (an atomic UPDATE): each step happens once.
    mentors_alerted_at: datetime | None = None
    moderators_alerted_at: datetime | None = None


class Poll(SQLModel, table=True):
    """A post's poll (channels/polls.py): its question is the post's body; its
    options are ``PollOption`` rows, its votes ``PollVote`` rows."""

    __tablename__ = "poll"
    post_id: int = Field(foreign_key="post.id", primary_key=True)
    channel_id: int = Field(foreign_key="channel.id", index=True)
    multiple: bool = False  # several options a person (else one)
    # Anonymous: no read shows who chose what (the vote rows keep the person,
    # so they can change their vote; channels/polls.py says what is recorded).
    anonymous: bool = False
    closes_at: datetime | None = None  # results final from then on
    closed_at: datetime | None = None  # closed early by its author (or a moderator)
    created_at: datetime = Field(default_factory=utcnow)


class PollOption(SQLModel, table=True):
    __tablename__ = "poll_option"
    __table_args__ = (UniqueConstraint("post_id", "position", name="uq_poll_option_position"),)
    id: int | None = Field(default=None, primary_key=True)
    post_id: int = Field(foreign_key="poll.post_id")
    position: int  # 0, 1, ... in the order the author gave
    text: str = Field(max_length=200)


class PollVote(SQLModel, table=True):
    """A person's choice of one option (several rows in a multiple-choice
    poll). ``voted_at`` is when they last voted in this poll: usage figures
    count the people who voted lately from it."""

    __tablename__ = "poll_vote"
    __table_args__ = (
        Index("ix_poll_vote_option", "option_id"),
        Index("ix_poll_vote_voted_at", "voted_at"),
    )
    post_id: int = Field(foreign_key="poll.post_id", primary_key=True)
    user_id: int = Field(foreign_key="account.id", primary_key=True)
    option_id: int = Field(foreign_key="poll_option.id", primary_key=True)
    voted_at: datetime = Field(default_factory=utcnow)


class Like(SQLModel, table=True):
    __tablename__ = "post_like"
    post_id: int = Field(foreign_key="post.id", primary_key=True)
    user_id: int = Field(foreign_key="account.id", primary_key=True)
    created_at: datetime = Field(default_factory=utcnow)


class ChannelEvent(SQLModel, table=True):
    """One fact in a channel's log, at position (channel's epoch, seq).

    ``(actor_id, client_id)`` is unique: a write retried with the same client id
    finds its earlier event instead of applying twice.
    """

    __tablename__ = "channel_event"
    __table_args__ = (
        UniqueConstraint("actor_id", "client_id", name="uq_event_actor_client"),
        # The events about one post: a delete or an edit rewrites their text.
        Index("ix_channel_event_post", "channel_id", "post_id"),
    )
    channel_id: int = Field(foreign_key="channel.id", primary_key=True)
    seq: int = Field(primary_key=True)
    kind: str = Field(max_length=40)
    post_id: int | None = None  # the post or comment the event is about, if any
    data: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    actor_id: int | None = Field(default=None, foreign_key="account.id")
    client_id: str | None = Field(default=None, max_length=64)
    created_at: datetime = Field(default_factory=utcnow)


# ---- API shapes -------------------------------------------------------------


class DirectPerson(BaseModel):
    """Someone of a conversation, as its other people see them."""

    id: int
    display_name: str
    reading: str = ""
    active: bool = True


class Capabilities(BaseModel):
    """What the person asking may do in a channel (channels/access.py decides);
    sent with every channel so that clients offer exactly that."""

    can_post: bool
    can_comment: bool
    can_react: bool
    can_join: bool
    can_leave: bool
    can_invite: bool
    can_edit: bool
    can_mention_channel: bool  # write @channel (admins, moderators, its creator)


class ChannelPublic(Capabilities):
    """A channel as one person sees it, with what they may do in it
    (``can_*``, from channels/access.py's policy for its kind)."""

    id: int
    kind: str
    name: str
    description: str
    is_private: bool
    department_id: int | None
    epoch: str
    seq: int
    member_count: int
    is_member: bool
    created_by: int | None  # the group's creator, who may rename it (with admins)
    qa: bool = False  # a Q&A channel: its posts are questions
    archived: bool  # read-only for everyone: every can_* is false
    # Where one has read up to, and how many posts and comments by others came
    # after (channels/reading.py): in channel lists and GET /api/channels/{id},
    # for the channels one is a member of (else null and 0; also null and 0 in
    # a history page's header: the hottest read reads no more than the page).
    read_seq: int | None = None
    unread: int = 0
    # What of it notifies one (channels/prefs.py), for the channels one is in
    # (else null). "none" is muted: show no unread badge for it.
    notify: NotifyLevel | None = None
    # A conversation (kind "direct"): its other people, deactivated ones
    # included (``active`` false), so it is named and marked by them; null for
    # other kinds. ``history_from``: when one was added to a group conversation
    # whose earlier posts one does not see (else null). ``blocked``: one of its
    # two people blocked the other, so nobody writes in it.
    # ``last_activity``: when its newest event was written (the sidebar lists
    # conversations newest first).
    people: list[DirectPerson] | None = None
    history_from: str | None = None
    blocked: bool = False
    last_activity: str | None = None


class ChannelCreate(StrictModel):
    name: Name = PField(max_length=100)
    description: str = PField(default="", max_length=500)
    is_private: bool = False
    # Send anyway past the word check's warning (words/lists.py).
    acknowledge_warning: bool = False
    qa: bool = False


class ChannelUpdate(StrictModel):
    name: Name | None = PField(default=None, max_length=100)
    description: str | None = PField(default=None, max_length=500)
    acknowledge_warning: bool = False
    qa: bool | None = None  # mark or unmark a Q&A channel (its creator or an admin)


class PersonRef(BaseModel):
    """A person as posts and membership events show them: with their department
    and the reading of their name, so two people of one name are told apart."""

    model_config = ConfigDict(extra="forbid")
    id: int
    display_name: str
    department: str | None
    reading: str = ""
    # A newcomer (org/newcomers.py) when the event or page was made: colleagues
    # see a "new" badge and welcome them. Computed from the start date, never
    # stored on its own (events keep what was true when they happened).
    newcomer: bool = False
    # An anonymous question's asker as members see them: id 0, no name; show
    # "匿名の新人" / "Anonymous newcomer" (channels/questions.py).
    anonymous: bool = False


class EditorRef(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: int
    display_name: str


class FileRef(BaseModel):
    """A file as posts and events carry it (channels/attachments.py). Its bytes
    are at ``/api/files/{id}/content`` and, for an image, a thumbnail at
    ``/api/files/{id}/thumb``; ``width`` and ``height`` are the full-size
    image's, so a client sizes its box before anything loads."""

    model_config = ConfigDict(extra="forbid")
    id: str
    name: str
    type: str  # the media type it is served as (sniffed from its content)
    size: int
    image: bool
    width: int | None = None
    height: int | None = None
    animated: bool = False


class QuestionInfo(BaseModel):
    """A question's state as posts carry it (``answer_id``: the accepted
    comment, shown first in the thread)."""

    model_config = ConfigDict(extra="forbid")
    state: QuestionState
    answer_id: int | None = None
    anonymous: bool = False
    direct: bool = False


MIN_POLL_OPTIONS, MAX_POLL_OPTIONS = 2, 10
MAX_POLL_OPTION_CHARS = 200


class VoterRef(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: int
    display_name: str


class PollOptionData(BaseModel):
    """An option with its votes; ``voters``: who chose it (named polls; null
    in an anonymous one), in the order they voted."""

    model_config = ConfigDict(extra="forbid")
    id: int
    text: str
    votes: int = 0
    voters: list[VoterRef] | None = None


class PollData(BaseModel):
    """A poll as every reader sees it (channels/polls.py). ``voters``: how many
    people voted (the base of the percentages); ``closed``: results are final
    (closed early, or ``closes_at`` passed when this was read)."""

    model_config = ConfigDict(extra="forbid")
    multiple: bool
    anonymous: bool
    closes_at: str | None
    closed: bool
    voters: int
    options: list[PollOptionData]


class PollPublic(PollData):
    """A poll as one person reads it: ``mine``, the options they chose."""

    mine: list[int] = []


class PostData(BaseModel):
    """A post or comment as every member sees it (the ``post`` of events)."""

    model_config = ConfigDict(extra="forbid")
    id: int
    channel_id: int
    parent_id: int | None
    author: PersonRef
    body: str
    html: str
    created_at: str
    edited_at: str | None
    # Who made the last edit when it was not the author (a moderator).
    edited_by: EditorRef | None = None
    like_count: int
    comment_count: int
    files: list[FileRef] = []
    # A question (channels/questions.py): its state and accepted answer; null
    # for every other post and for comments.
    question: QuestionInfo | None = None
    # A poll (channels/polls.py), its question being the body; null for
    # every other post and for comments.
    poll: PollData | None = None


class PostPublic(PostData):
    """A post as one person reads it."""

    poll: PollPublic | None = None

    liked_by_me: bool = False
    # Only for its author, when a moderator hid it: why (everyone else no
    # longer sees it at all).
    hidden: str | None = None
    # One's own anonymous question or comment ("you asked anonymously"): only
    # in one's own reads, never in events.
    mine: bool = False
    # Who wrote an anonymous post: for admins only, in a thread (moderation).
    anonymous_author: PersonRef | None = None


class ClientId(StrictModel):
    cid: str | None = PField(default=None, min_length=1, max_length=64)


PollOptionText = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_POLL_OPTION_CHARS)
]
MAX_POLL_DAYS = 366  # the furthest a closing time may be


class PollCreate(StrictModel):
    """A poll a new post carries (its body is the question): 2-10 distinct
    options, one choice or several, named or anonymous, an optional closing
    time in the future (ISO 8601 with its zone)."""

    options: list[PollOptionText] = PField(min_length=MIN_POLL_OPTIONS, max_length=MAX_POLL_OPTIONS)
    # Strict: "yes" is no answer to a yes-or-no question.
    multiple: bool = PField(default=False, strict=True)
    anonymous: bool = PField(default=False, strict=True)
    closes_at: AwareDatetime | None = None

    @model_validator(mode="after")
    def _sound(self) -> PollCreate:
        seen = set()
        for option in self.options:
            key = unicodedata.normalize("NFKC", option).casefold()
            if key in seen:
                raise ValueError(f"options: {option!r} is there twice")
            seen.add(key)
        if self.closes_at is not None:
            now = utcnow()
            if self.closes_at <= now:
                raise ValueError("closes_at: a closing time in the past")
            if self.closes_at > now + timedelta(days=MAX_POLL_DAYS):
                raise ValueError(f"closes_at: at most {MAX_POLL_DAYS} days ahead")
        return self


class PostCreate(ClientId):
    """Text, files (uploaded first: ``POST /api/files``), or both. ``question``:
    ask it as a question in a direct conversation (every post of a Q&A channel
    is one); ``anonymous``: a newcomer's anonymous question in a Q&A channel."""

    body: str = PField(default="", max_length=MAX_BODY_CHARS)
    files: list[FileIdStr] = PField(default_factory=list, max_length=MAX_FILES)
    # Send anyway past the word check's warning (words/lists.py).
    acknowledge_warning: bool = False
    question: bool = False
    anonymous: bool = False
    # A poll, whose question is ``body`` (a post only, not a comment).
    poll: PollCreate | None = None

    @model_validator(mode="after")
    def _something(self) -> PostCreate:
        if not self.body and not self.files:
            raise ValueError("write something or attach a file")
        if self.poll is not None and not self.body:
            raise ValueError("poll: its question is the post's body: write it")
        return self


class PostEdit(ClientId):
    """What changes: ``body``, the new text; ``files``, the post's new set (kept
    ones and new uploads). What is not given stays as it is; a post keeps
    some text or a file."""

    body: str | None = PField(default=None, max_length=MAX_BODY_CHARS)
    files: list[FileIdStr] | None = PField(default=None, max_length=MAX_FILES)
    acknowledge_warning: bool = False

    @model_validator(mode="after")
    def _something(self) -> PostEdit:
        if self.body is None and self.files is None:
            raise ValueError("give the new body, the new files, or both")
        return self


class Receipt(BaseModel):
    """What a write in a channel answers: the position of the event it made (or,
    for a write that changed nothing, the channel's position now)."""

    channel_id: int
    epoch: str
    seq: int
    post: PostPublic | None = None
    duplicate: bool = False


class VoteChoice(ClientId):
    """One's vote in a poll: the options chosen (one, in a single-choice poll),
    replacing one's earlier vote."""

    options: list[Annotated[int, PField(strict=True, ge=1, le=MAX_ID)]] = PField(
        min_length=1, max_length=MAX_POLL_OPTIONS
    )

    @model_validator(mode="after")
    def _distinct(self) -> VoteChoice:
        if len(set(self.options)) != len(self.options):
            raise ValueError("options: the same option twice")
        return self


class PollReceipt(Receipt):
    """What a vote, its withdrawal or closing a poll answers: the position of
    its event, and the poll as the voter now reads it (with ``mine``)."""

    poll: PollPublic | None = None


class ChannelEventPublic(BaseModel):
    """An event of a channel's log, as the ``event`` frame carries it."""

    channel: int
    epoch: str
    seq: int
    kind: str
    data: dict[str, Any]
    at: str
    # The client id of the write that made it: the writer's own clients match
    # the event to the write they are waiting for.
    cid: str | None = None


class EventsPage(BaseModel):
    """Events after a position, a page at a time (docs/protocol.md, "Replay").

    ``seq`` is where this page ends: ask again from it while ``more`` is true.
    When ``recovered`` is false the position is not one of this log's, or too far
    behind: reload current state and continue from ``seq`` (the head)."""

    epoch: str
    seq: int
    head: int
    recovered: bool
    more: bool
    events: list[ChannelEventPublic]


class HistoryPage(BaseModel):
    channel: ChannelPublic
    posts: list[PostPublic]
    before: int | None  # pass as ?before= for the next older page; None at the start


class Thread(BaseModel):
    post: PostPublic
    comments: list[PostPublic]


class Readers(BaseModel):
    """Of the people asked about, those who may read a channel now."""

    readers: list[int]


class LikerPublic(BaseModel):
    id: int
    display_name: str
    department: str | None = None
    reading: str = ""
