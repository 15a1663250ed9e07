"""Conversations (direct messages) and blocks over HTTP. A conversation is a
channel (kind ``direct``): once started, every channel route serves it
(posts, comments, likes, files, read state, mute, leave, adding people)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from channels import reads
from channels.actions import direct
from channels.models import MAX_DIRECT_OTHERS, ChannelPublic
from core.clock import iso
from core.schema import DbId, StrictModel
from server.api import Ctx, api


class ConversationStart(StrictModel):
    """Whom to talk with: one person, or up to ``MAX_DIRECT_OTHERS`` (one's own
    id among them is ignored)."""

    # One more than the cap, so that a list with one's own id in it passes here
    # and the action counts the others (a clear "at most 8 other people").
    user_ids: list[DbId] = Field(min_length=1, max_length=MAX_DIRECT_OTHERS + 1)


class BlockedPerson(BaseModel):
    id: int
    display_name: str
    reading: str
    blocked_at: str


@api.route(
    "POST",
    "/api/direct",
    summary="Start a conversation with one person or a few (or open the existing one)",
    body=ConversationStart,
    returns=ChannelPublic,
)
async def start_conversation(ctx: Ctx) -> ChannelPublic:
    channel = await ctx.services.act(direct.do_start_conversation, ctx.user, ctx.body.user_ids)
    assert channel.id is not None
    async with ctx.services.db.reader() as db:
        return await reads.get_channel(db, ctx.user, channel.id)


async def _blocked(ctx: Ctx) -> list[BlockedPerson]:
    async with ctx.services.db.reader() as db:
        found = await direct.blocked_people(db, ctx.user)
    return [
        BlockedPerson(
            id=u.id or 0,
            display_name=u.display_name,
            reading=u.reading,
            blocked_at=iso(b.created_at) or "",
        )
        for u, b in found
    ]


@api.route("GET", "/api/blocks", summary="The people one blocked", returns=list[BlockedPerson])
async def list_blocks(ctx: Ctx) -> list[BlockedPerson]:
    return await _blocked(ctx)


@api.route(
    "PUT",
    "/api/blocks/{user_id:id}",
    summary="Block someone: no new conversation with them, and your conversation "
    "of two takes nothing more from either of you",
    returns=list[BlockedPerson],
)
async def block(ctx: Ctx) -> list[BlockedPerson]:
    await ctx.services.act(direct.do_block, ctx.user, ctx.path_int("user_id"))
    return await _blocked(ctx)


@api.route(
    "DELETE",
    "/api/blocks/{user_id:id}",
    summary="Unblock someone",
    returns=list[BlockedPerson],
)
async def unblock(ctx: Ctx) -> list[BlockedPerson]:
    await ctx.services.act(direct.do_unblock, ctx.user, ctx.path_int("user_id"))
    return await _blocked(ctx)
