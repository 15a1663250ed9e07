"""One's notifications over HTTP: pages of them, and marking them read (also
the socket's ``read_notifications``). What makes them is notify/duties.py."""

from __future__ import annotations

from core.errors import InvalidError
from notify import reads
from notify.models import PAGE_SIZE, MarkRead, NotificationsPage, ReadAnswer
from server.api import Ctx, Param, api


@api.route(
    "GET",
    "/api/notifications",
    summary="One's notifications, newest first, a page at a time, with the unread count",
    returns=NotificationsPage,
    query=[
        Param("before", "the page's 'before': the next older page", "integer"),
        Param("unread", "1: unread ones only"),
        Param("limit", f"1-{PAGE_SIZE}", "integer"),
    ],
)
async def list_notifications(ctx: Ctx) -> NotificationsPage:
    limit = ctx.query_int("limit")
    limit = PAGE_SIZE if limit is None else limit
    if not 1 <= limit <= PAGE_SIZE:
        raise InvalidError(f"limit: 1 to {PAGE_SIZE}")
    unread = ctx.request.query_params.get("unread") in ("1", "true")
    async with ctx.services.db.connection() as conn:
        return await reads.page(
            conn, ctx.user, before=ctx.query_int("before"), unread_only=unread, limit=limit
        )


@api.route(
    "POST",
    "/api/notifications/read",
    summary='Mark notifications read: {"ids": [...]} or {"all": true}; every device follows',
    body=MarkRead,
    returns=ReadAnswer,
)
async def read_notifications(ctx: Ctx) -> ReadAnswer:
    return await ctx.services.act(reads.do_read_notifications, ctx.user, ctx.body)
