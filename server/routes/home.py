"""The home feed and catching up, over HTTP (channels/home.py,
channels/reading.py); the socket's ``home`` and ``read_all`` ops ask the same."""

from __future__ import annotations

from pydantic import Field
from sqlalchemy.ext.asyncio import AsyncConnection

from announcements import reads as announcements
from announcements.models import AnnouncementPublic
from channels import home, reading
from org.models import User
from server.api import Ctx, Param, api
from server.services import Services


class HomeFeed(home.HomePage):
    """The feed with its must-read items: must-read announcements one has not
    confirmed yet, newest first, on the first page only."""

    must_read: list[AnnouncementPublic] = Field(default_factory=list)  # type: ignore[assignment]


async def feed(
    conn: AsyncConnection,
    user: User,
    *,
    section: home.Section,
    before: int | None,
    limit: int,
) -> HomeFeed:
    """A page of the home feed (channels/home.py), and on the first page what
    one must read (announcements/reads.py); ``GET /api/home`` and the ``home``
    op both answer it."""
    page = await home.home_page(conn, user, section=section, before=before, limit=limit)
    first = before is None and section is home.Section.unread
    pinned = await announcements.must_read(conn, user) if first else []
    return HomeFeed(must_read=pinned, posts=page.posts, section=page.section, before=page.before)


@api.route(
    "GET",
    "/api/home",
    summary="The home feed: the newest posts of every channel one is in, unread first, "
    "and the must-read announcements one has not confirmed",
    returns=HomeFeed,
    query=[
        Param(
            "section",
            "where the page starts: unread (the default) or read; the page's ``section``",
            enum=("unread", "read"),
        ),
        Param("before", "post id: the page's ``before``, for the next page", "integer"),
        Param("limit", f"posts a page, 1-{home.MAX_PAGE} ({home.PAGE})", "integer"),
    ],
)
async def home_feed(ctx: Ctx) -> HomeFeed:
    section, before, limit = home.ask(
        ctx.request.query_params.get("section") or None,
        ctx.query_int("before"),
        ctx.query_int("limit"),
    )
    async with ctx.services.db.connection() as conn:
        return await feed(conn, ctx.user, section=section, before=before, limit=limit)


async def read_all(services: Services, user: User) -> reading.ReadAll:
    """Every channel one is in read up to its head, a unit per batch of channels."""
    moved: list[reading.ReadState] = []
    after: int | None = 0
    while after is not None:
        done, after = await services.act(reading.do_mark_all_read, user, after=after)
        moved.extend(done.channels)
    return reading.ReadAll(channels=moved)


@api.route(
    "POST",
    "/api/home/read",
    summary="Mark all read: every channel one is in, read up to its head (every device follows)",
    returns=reading.ReadAll,
)
async def mark_all_read(ctx: Ctx) -> reading.ReadAll:
    return await read_all(ctx.services, ctx.user)
