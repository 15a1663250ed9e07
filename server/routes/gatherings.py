"""Events over HTTP (gatherings/): the upcoming ones, one event's page,
creating, editing, cancelling and answering one, its .ics file; one's
calendar feed (made, renewed, revoked) and the feed itself, read by calendar
apps with its secret token instead of a session; the company's time zone."""

from __future__ import annotations

from starlette.responses import Response

from core.errors import NotFoundError
from gatherings import actions, feeds, ics, reads
from gatherings.access import access_gathering
from gatherings.models import (
    PAGE,
    AnswerChoice,
    FeedLink,
    GatheringChange,
    GatheringCreate,
    GatheringDetail,
    GatheringsPage,
)
from org import timezone
from server.api import Ctx, HttpError, Param, api
from streams.unit import Unit


@api.route(
    "GET",
    "/api/gatherings",
    summary="Upcoming events one may see (not over, not cancelled), soonest first",
    returns=GatheringsPage,
    query=[
        Param("channel", "only this channel's", "integer"),
        Param("limit", f"events a page, 1-{PAGE} ({PAGE})", "integer"),
    ],
)
async def upcoming_gatherings(ctx: Ctx) -> GatheringsPage:
    limit = ctx.query_int("limit") or PAGE
    if not 1 <= limit <= PAGE:
        raise HttpError(400, "invalid", f"limit: 1-{PAGE}")
    async with ctx.services.db.reader() as db:
        found = await reads.upcoming(db, ctx.user, channel_id=ctx.query_int("channel"), limit=limit)
    return GatheringsPage(gatherings=found)


@api.route(
    "POST",
    "/api/gatherings",
    summary="Create an event in a channel one is a member of (none: company-wide, admins)",
    body=GatheringCreate,
    returns=GatheringDetail,
    status=201,
)
async def create_gathering(ctx: Ctx) -> GatheringDetail:
    return await ctx.services.act(actions.do_create_gathering, ctx.user, ctx.body)


@api.route(
    "GET",
    "/api/gatherings/{gathering_id:id}",
    summary="One event, with who is going, waiting and may come",
    returns=GatheringDetail,
)
async def get_gathering(ctx: Ctx) -> GatheringDetail:
    async with ctx.services.db.reader() as db:
        g, _ = await access_gathering(db, ctx.user, ctx.path_int("gathering_id"))
        return await reads.detail(db, ctx.user, g)


@api.route(
    "PATCH",
    "/api/gatherings/{gathering_id:id}",
    summary="Change an event (its organiser, moderators)",
    body=GatheringChange,
    returns=GatheringDetail,
)
async def update_gathering(ctx: Ctx) -> GatheringDetail:
    return await ctx.services.act(
        actions.do_update_gathering, ctx.user, ctx.path_int("gathering_id"), ctx.body
    )


@api.route(
    "POST",
    "/api/gatherings/{gathering_id:id}/cancel",
    summary="Cancel an event (its organiser, moderators): it stays, marked cancelled",
    returns=GatheringDetail,
)
async def cancel_gathering(ctx: Ctx) -> GatheringDetail:
    return await ctx.services.act(
        actions.do_cancel_gathering, ctx.user, ctx.path_int("gathering_id")
    )


@api.route(
    "PUT",
    "/api/gatherings/{gathering_id:id}/answer",
    summary="Answer an event: going (the waitlist when full), maybe or no",
    body=AnswerChoice,
    returns=GatheringDetail,
)
async def answer_gathering(ctx: Ctx) -> GatheringDetail:
    return await ctx.services.act(
        actions.do_answer, ctx.user, ctx.path_int("gathering_id"), ctx.body
    )


def _page_url(ctx: Ctx, gathering_id: int) -> str:
    return f"{ctx.services.settings.base_url.rstrip('/')}/#/events/{gathering_id}"


@api.route(
    "GET",
    "/api/gatherings/{gathering_id:id}/ics",
    summary="An event as an .ics file (iCalendar), in the company's time zone",
    produces="text/calendar",
)
async def gathering_ics(ctx: Ctx) -> Response:
    gathering_id = ctx.path_int("gathering_id")
    async with ctx.services.db.reader() as db:
        g, _ = await access_gathering(db, ctx.user, gathering_id)
        mine = await reads.one(db, ctx.user, g)
        zone = await timezone.zone(db)
    item = (g, mine.organiser.display_name, mine.my_answer, _page_url(ctx, gathering_id))
    body = ics.calendar([item], zone, g.title)
    return Response(
        body,
        media_type=ics.MEDIA_TYPE,
        headers={"content-disposition": f'attachment; filename="event-{gathering_id}.ics"'},
    )


@api.route(
    "GET",
    "/api/calendar/feed",
    summary="Whether one has a calendar feed (its URL is shown only when made)",
    returns=FeedLink,
)
async def calendar_feed_status(ctx: Ctx) -> FeedLink:
    async with ctx.services.db.reader() as db:
        return await feeds.status(db, ctx.user)


@api.route(
    "POST",
    "/api/calendar/feed",
    summary="Make one's calendar feed, or renew it (the old URL stops working)",
    returns=FeedLink,
)
async def renew_calendar_feed(ctx: Ctx) -> FeedLink:
    base = ctx.services.settings.base_url

    async def apply(unit: Unit) -> FeedLink:
        return await feeds.renew(unit, ctx.user, base)

    return await ctx.services.write(apply, ctx.user)


@api.route(
    "DELETE",
    "/api/calendar/feed",
    summary="Revoke one's calendar feed: its URL stops working",
)
async def revoke_calendar_feed(ctx: Ctx) -> None:
    async def apply(unit: Unit) -> None:
        await feeds.revoke(unit, ctx.user)

    await ctx.services.write(apply, ctx.user)


@api.route(
    "GET",
    "/api/calendar/feeds/{token}",
    summary="A calendar feed (iCalendar) for calendar apps: the token is the key",
    produces="text/calendar",
    auth=False,
)
async def calendar_feed(ctx: Ctx) -> Response:
    async with ctx.services.db.reader() as db:
        user = await feeds.owner(db, ctx.request.path_params["token"])
        if user is None:
            raise NotFoundError("no such calendar feed")
        found = await reads.in_feed(db, user)
        zone = await timezone.zone(db)
    items = [(g, organiser, answer, _page_url(ctx, g.id or 0)) for g, organiser, answer in found]
    body = ics.calendar(items, zone, "Kaisha")
    return Response(body, media_type=ics.MEDIA_TYPE)


@api.route(
    "GET",
    "/api/timezone",
    summary="The company's time zone (.ics files and reminders are written in it)",
    returns=timezone.CompanyTimezone,
)
async def get_timezone(ctx: Ctx) -> timezone.CompanyTimezone:
    async with ctx.services.db.reader() as db:
        return await timezone.load(db)


@api.route(
    "PUT",
    "/api/timezone",
    summary="Set the company's time zone (admins)",
    body=timezone.TimezoneChange,
    returns=timezone.CompanyTimezone,
    role="admin",
)
async def set_timezone(ctx: Ctx) -> timezone.CompanyTimezone:
    change: timezone.TimezoneChange = ctx.body

    async def apply(unit: Unit) -> timezone.CompanyTimezone:
        return await timezone.save(unit, change, ctx.user)

    return await ctx.services.write(apply, ctx.user)
