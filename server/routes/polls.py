"""Polls in posts over HTTP: voting, withdrawing one's vote, closing a poll
early (channels/actions/polls.py). A poll is made with its post
(``POST /api/channels/{id}/posts`` with ``poll``) and read with it (the
post's ``poll``, in every read of posts)."""

from __future__ import annotations

from channels.actions import polls
from channels.models import ClientId, PollReceipt, VoteChoice
from server.api import Ctx, Param, api


@api.route(
    "PUT",
    "/api/posts/{post_id:id}/vote",
    summary="Vote in a post's poll (replaces one's earlier vote)",
    body=VoteChoice,
    returns=PollReceipt,
)
async def vote(ctx: Ctx) -> PollReceipt:
    body: VoteChoice = ctx.body
    return await ctx.services.act(
        polls.do_vote, ctx.user, ctx.path_int("post_id"), body.options, body.cid
    )


@api.route(
    "DELETE",
    "/api/posts/{post_id:id}/vote",
    summary="Withdraw one's vote in a post's poll",
    returns=PollReceipt,
    query=[Param("cid", "client id making the withdrawal idempotent")],
)
async def withdraw_vote(ctx: Ctx) -> PollReceipt:
    cid = ClientId(cid=ctx.request.query_params.get("cid")).cid
    return await ctx.services.act(polls.do_withdraw_vote, ctx.user, ctx.path_int("post_id"), cid)


@api.route(
    "POST",
    "/api/posts/{post_id:id}/poll/close",
    summary="Close a post's poll early: results final (its author, moderators)",
    body=ClientId,
    returns=PollReceipt,
)
async def close_poll(ctx: Ctx) -> PollReceipt:
    body: ClientId = ctx.body
    return await ctx.services.act(polls.do_close_poll, ctx.user, ctx.path_int("post_id"), body.cid)
