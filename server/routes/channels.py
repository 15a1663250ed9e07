"""Channels, membership, history, posts, comments and likes over HTTP. Writes
here are the same actions the WebSocket runs, with the same client ids."""

from __future__ import annotations

from pydantic import Field
from sqlmodel import col, select

from channels import prefs, reading, reads
from channels.access import access_channel
from channels.actions import channels, posts
from channels.models import (
    PAGE_SIZE,
    ChannelCreate,
    ChannelPublic,
    ChannelUpdate,
    ClientId,
    EventsPage,
    HistoryPage,
    LikerPublic,
    Membership,
    PostCreate,
    PostEdit,
    Readers,
    Receipt,
    Thread,
)
from channels.prefs import NotifyChoice, NotifyState
from channels.reading import MarkRead, ReadState
from core.errors import InvalidError
from core.schema import MAX_ID, DbId, StrictModel
from org.models import User
from server.api import Ctx, Param, api
from server.routes.people import PersonPublic, by_reading, people_public


class Invitees(StrictModel):
    user_ids: list[DbId] = Field(min_length=1, max_length=100)


EVENTS_PAGE = 1000  # most events one GET .../events answers
MAX_READERS_ASKED = 100  # ids one GET .../readers asks about


def _ids(raw: str | None) -> list[int]:
    """``1,2,3``: at most MAX_READERS_ASKED ids (none: an empty list)."""
    if raw is None or raw.strip() == "":
        return []
    parts = raw.split(",")
    if len(parts) > MAX_READERS_ASKED:
        raise InvalidError(f"ids: at most {MAX_READERS_ASKED}")
    found = []
    for part in parts:
        part = part.strip()
        if not (part.isascii() and part.isdigit() and len(part) <= 10 and 1 <= int(part) <= MAX_ID):
            raise InvalidError(f"ids: a comma-separated list of ids (1 to {MAX_ID})")
        found.append(int(part))
    return found


@api.route(
    "GET",
    "/api/channels",
    summary="Channels one may see (own ones and public ones)",
    returns=list[ChannelPublic],
    query=[
        Param("joined", "1: only channels one is in"),
        Param("q", "search name and description"),
    ],
)
async def list_channels(ctx: Ctx) -> list[ChannelPublic]:
    joined = ctx.request.query_params.get("joined") in ("1", "true")
    query = (ctx.request.query_params.get("q") or "").strip() or None
    async with ctx.services.db.reader() as db:
        return await reads.list_channels(db, ctx.user, joined_only=joined, query=query)


@api.route(
    "POST",
    "/api/channels",
    summary="Create an interest group",
    body=ChannelCreate,
    returns=ChannelPublic,
    status=201,
)
async def create_channel(ctx: Ctx) -> ChannelPublic:
    channel = await ctx.services.act(channels.do_create_channel, ctx.user, ctx.body)
    assert channel.id is not None
    async with ctx.services.db.reader() as db:
        return await reads.get_channel(db, ctx.user, channel.id)


@api.route("GET", "/api/channels/{channel_id:id}", summary="One channel", returns=ChannelPublic)
async def get_channel(ctx: Ctx) -> ChannelPublic:
    async with ctx.services.db.connection() as conn:
        return await reads.get_channel(conn, ctx.user, ctx.path_int("channel_id"))


@api.route(
    "PATCH",
    "/api/channels/{channel_id:id}",
    summary="Rename or describe a group (its creator or an admin)",
    body=ChannelUpdate,
    returns=Receipt,
)
async def update_channel(ctx: Ctx) -> Receipt:
    return await ctx.services.act(
        channels.do_update_channel, ctx.user, ctx.path_int("channel_id"), ctx.body
    )


@api.route(
    "PUT",
    "/api/channels/{channel_id:id}/read",
    summary="Read a channel up to a position: every device of one's follows",
    body=MarkRead,
    returns=ReadState,
)
async def mark_read(ctx: Ctx) -> ReadState:
    return await ctx.services.act(
        reading.do_mark_read, ctx.user, ctx.path_int("channel_id"), ctx.body.seq
    )


@api.route(
    "PUT",
    "/api/channels/{channel_id:id}/notify",
    summary="Choose what of a channel notifies one: all, mentions (the default) or none (mute)",
    body=NotifyChoice,
    returns=NotifyState,
)
async def set_notify_level(ctx: Ctx) -> NotifyState:
    return await ctx.services.act(
        prefs.do_set_notify_level, ctx.user, ctx.path_int("channel_id"), ctx.body.level
    )


@api.route(
    "GET",
    "/api/channels/{channel_id:id}/readers",
    summary="Which of some people may read the channel (a mention of anyone else notifies no one)",
    returns=Readers,
    query=[Param("ids", f"comma-separated person ids, at most {MAX_READERS_ASKED}")],
)
async def channel_readers(ctx: Ctx) -> Readers:
    ids = _ids(ctx.request.query_params.get("ids"))
    async with ctx.services.db.reader() as db:
        return await reads.readers(db, ctx.user, ctx.path_int("channel_id"), ids)


@api.route(
    "POST", "/api/channels/{channel_id:id}/join", summary="Join a public group", returns=Receipt
)
async def join_channel(ctx: Ctx) -> Receipt:
    return await ctx.services.act(channels.do_join_channel, ctx.user, ctx.path_int("channel_id"))


@api.route("POST", "/api/channels/{channel_id:id}/leave", summary="Leave a group", returns=Receipt)
async def leave_channel(ctx: Ctx) -> Receipt:
    return await ctx.services.act(channels.do_leave_channel, ctx.user, ctx.path_int("channel_id"))


@api.route(
    "POST",
    "/api/channels/{channel_id:id}/invite",
    summary="Add people to a group (members; the way into a private one)",
    body=Invitees,
    returns=Receipt,
)
async def invite_to_channel(ctx: Ctx) -> Receipt:
    return await ctx.services.act(
        channels.do_invite_to_channel, ctx.user, ctx.path_int("channel_id"), ctx.body.user_ids
    )


@api.route(
    "GET",
    "/api/channels/{channel_id:id}/members",
    summary="Who is in the channel, with presence, in reading order",
    returns=list[PersonPublic],
)
async def channel_members(ctx: Ctx) -> list[PersonPublic]:
    channel_id = ctx.path_int("channel_id")
    async with ctx.services.db.reader() as db:
        await access_channel(db, ctx.user, channel_id)
        users = list(
            (
                await db.exec(
                    select(User)
                    .join(Membership, col(Membership.user_id) == col(User.id))
                    .where(Membership.channel_id == channel_id, col(User.is_active))
                    .order_by(*by_reading(db))
                )
            ).all()
        )
    return await people_public(ctx, users)


@api.route(
    "GET",
    "/api/channels/{channel_id:id}/posts",
    summary="A page of posts, newest page first (older pages with ?before=)",
    returns=HistoryPage,
    query=[
        Param("before", "post id: the page before it", "integer"),
        Param("limit", f"1-{PAGE_SIZE}", "integer"),
    ],
)
async def channel_posts(ctx: Ctx) -> HistoryPage:
    limit = ctx.query_int("limit") or PAGE_SIZE
    if not 1 <= limit <= PAGE_SIZE:
        raise InvalidError(f"limit: 1 to {PAGE_SIZE}")
    # A bare connection, not a session: the page is read as columns, and a
    # session's set-up and close cost more than its two statements.
    async with ctx.services.db.connection() as conn:
        return await reads.history_page(
            conn, ctx.user, ctx.path_int("channel_id"), before=ctx.query_int("before"), limit=limit
        )


@api.route(
    "GET",
    "/api/channels/{channel_id:id}/events",
    summary="Events after a position, a page at a time (for clients filling a gap)",
    returns=EventsPage,
    query=[
        Param("epoch", "the epoch of the position"),
        Param("seq", "the last seq seen", "integer"),
    ],
)
async def channel_events(ctx: Ctx) -> EventsPage:
    channel_id = ctx.path_int("channel_id")
    epoch = ctx.request.query_params.get("epoch") or None
    since = ctx.query_int("seq")
    async with ctx.services.db.reader() as db:
        access = await access_channel(db, ctx.user, channel_id)
        return await reads.events_page(
            db,
            access.channel,
            epoch,
            since,
            recovery_limit=ctx.services.settings.recovery_limit,
            page=EVENTS_PAGE,
            since_post=access.since_post,
        )


@api.route(
    "POST",
    "/api/channels/{channel_id:id}/posts",
    summary="Post to a channel",
    body=PostCreate,
    returns=Receipt,
    status=201,
)
async def create_post(ctx: Ctx) -> Receipt:
    body: PostCreate = ctx.body
    post = posts.NewPost(
        ctx.user,
        ctx.path_int("channel_id"),
        body.body,
        body.cid,
        body.files,
        acknowledged=body.acknowledge_warning,
        question=body.question,
        anonymous=body.anonymous,
        poll=body.poll,
    )
    return await ctx.services.posts.write(post)


@api.route("GET", "/api/posts/{post_id:id}", summary="A post with its comments", returns=Thread)
async def get_post(ctx: Ctx) -> Thread:
    async with ctx.services.db.reader() as db:
        return await reads.thread(db, ctx.user, ctx.path_int("post_id"))


@api.route(
    "PATCH",
    "/api/posts/{post_id:id}",
    summary="Edit a post or comment",
    body=PostEdit,
    returns=Receipt,
)
async def edit_post(ctx: Ctx) -> Receipt:
    body: PostEdit = ctx.body
    return await ctx.services.act(
        posts.do_edit_post,
        ctx.user,
        ctx.path_int("post_id"),
        body.body,
        body.cid,
        body.files,
        body.acknowledge_warning,
    )


@api.route(
    "DELETE",
    "/api/posts/{post_id:id}",
    summary="Delete a post or comment",
    returns=Receipt,
    query=[Param("cid", "client id making the delete idempotent")],
)
async def delete_post(ctx: Ctx) -> Receipt:
    cid = ClientId(cid=ctx.request.query_params.get("cid")).cid
    return await ctx.services.act(posts.do_delete_post, ctx.user, ctx.path_int("post_id"), cid)


@api.route(
    "POST",
    "/api/posts/{post_id:id}/comments",
    summary="Comment on a post",
    body=PostCreate,
    returns=Receipt,
    status=201,
)
async def create_comment(ctx: Ctx) -> Receipt:
    body: PostCreate = ctx.body
    if body.poll is not None:
        raise InvalidError("poll: a post carries one, not a comment")
    return await ctx.services.act(
        posts.do_create_comment,
        ctx.user,
        ctx.path_int("post_id"),
        body.body,
        body.cid,
        body.files,
        body.acknowledge_warning,
    )


@api.route(
    "PUT", "/api/posts/{post_id:id}/like", summary="Like a post", body=ClientId, returns=Receipt
)
async def like_post(ctx: Ctx) -> Receipt:
    return await ctx.services.act(
        posts.do_set_like, ctx.user, ctx.path_int("post_id"), True, ctx.body.cid
    )


@api.route(
    "DELETE",
    "/api/posts/{post_id:id}/like",
    summary="Take back a like",
    returns=Receipt,
    query=[Param("cid", "client id making the unlike idempotent")],
)
async def unlike_post(ctx: Ctx) -> Receipt:
    cid = ClientId(cid=ctx.request.query_params.get("cid")).cid
    return await ctx.services.act(posts.do_set_like, ctx.user, ctx.path_int("post_id"), False, cid)


@api.route(
    "GET", "/api/posts/{post_id:id}/likes", summary="Who liked a post", returns=list[LikerPublic]
)
async def post_likes(ctx: Ctx) -> list[LikerPublic]:
    async with ctx.services.db.reader() as db:
        return await reads.likers(db, ctx.user, ctx.path_int("post_id"))
