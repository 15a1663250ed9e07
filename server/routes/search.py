"""Search over HTTP (channels/search.py); the socket's ``search`` op asks the
same with the same names."""

from __future__ import annotations

from channels import search
from core.errors import InvalidError
from core.fulltext import MAX_QUERY_CHARS
from server.api import Ctx, Param, api


@api.route(
    "GET",
    "/api/search",
    summary="Search the posts and comments one may read (Japanese and English)",
    returns=search.SearchPage,
    query=[
        Param(
            "q",
            "words to find, separated by spaces (all must match); Japanese"
            " needs no spaces: 会議, 経費精算, SNSの活用; one character matches"
            " as the start of a word",
            required=True,
            max_length=MAX_QUERY_CHARS,
        ),
        Param("channel", "channel id: only in this channel", "integer"),
        Param("author", "user id: only by this person", "integer"),
        Param(
            "since",
            "a date (2026-04-01, from its start in UTC) or a date and time with"
            " its offset: written at or after it",
        ),
        Param(
            "until",
            "a date (2026-04-30, to its end in UTC) or a date and time: written before it",
        ),
        Param(
            "in", "posts: top-level posts only; comments: comments only", enum=("posts", "comments")
        ),
        Param(
            "order",
            "newest (the default) or best (the most relevant of the newest"
            f" {search.BEST_WINDOW} matches)",
            enum=("newest", "best"),
        ),
        Param("before", "newest: the page's ``before``, for the next page", "integer"),
        Param("offset", "best: the page's ``offset``, for the next page", "integer"),
        Param("limit", f"results a page, 1-{search.MAX_PAGE} ({search.PAGE})", "integer"),
    ],
)
async def search_posts(ctx: Ctx) -> search.SearchPage:
    params = ctx.request.query_params
    q = params.get("q")
    if q is None:
        raise InvalidError("q: say what to search for")
    ask = search.ask(
        q,
        channel=ctx.query_int("channel"),
        author=ctx.query_int("author"),
        since=params.get("since") or None,
        until=params.get("until") or None,
        within=params.get("in") or None,
        order=params.get("order") or None,
        before=ctx.query_int("before"),
        offset=ctx.query_int("offset"),
        limit=ctx.query_int("limit"),
    )
    async with ctx.services.db.connection() as conn:
        page = await search.search(conn, ctx.user, ask)
    await ctx.services.analytics.searched(ctx.user.id)
    return page
