"""Reports, the moderators' queue, sanctions and appeals over HTTP.

Anyone signed in reports (``POST /api/reports``), reads their own reports and
sanctions and appeals a sanction once (``/api/me/...``); everything under
``/api/moderation/`` is for moderators and admins (``role="moderator"``: a
member gets 403 before the handler runs, and each action checks the person
again as they are now). Domain: moderation/."""

from __future__ import annotations

from core.errors import InvalidError
from moderation import reads
from moderation.actions import (
    do_appeal,
    do_decide_appeal,
    do_decide_report,
    do_lift_sanction,
    do_report,
    do_unhide,
)
from moderation.models import (
    AppealCreate,
    AppealDecision,
    AppealPublic,
    Decision,
    Lift,
    MyReport,
    ReportCreate,
    ReportDetail,
    ReportsPage,
    SanctionPublic,
)
from server.api import Ctx, Param, api


@api.route(
    "POST",
    "/api/reports",
    summary="Report a post, a comment or a person to the moderators (never shown to them)",
    body=ReportCreate,
    returns=MyReport,
    status=201,
)
async def file_report(ctx: Ctx) -> MyReport:
    report = await ctx.services.act(do_report, ctx.user, ctx.body)
    async with ctx.services.db.reader() as db:
        mine = await reads.my_reports(db, ctx.user)
    return next(r for r in mine if r.id == report.id)


@api.route(
    "GET",
    "/api/me/reports",
    summary="One's own reports and what came of them, newest first",
    returns=list[MyReport],
)
async def my_reports(ctx: Ctx) -> list[MyReport]:
    async with ctx.services.db.reader() as db:
        return await reads.my_reports(db, ctx.user)


@api.route(
    "GET",
    "/api/me/sanctions",
    summary="One's own warnings and sanctions, newest first",
    returns=list[SanctionPublic],
)
async def my_sanctions(ctx: Ctx) -> list[SanctionPublic]:
    assert ctx.user.id is not None
    async with ctx.services.db.reader() as db:
        return await reads.sanctions_of(db, ctx.user.id)


@api.route(
    "POST",
    "/api/me/sanctions/{sanction_id:id}/appeal",
    summary="Appeal one of one's own sanctions, once, with a note",
    body=AppealCreate,
    returns=SanctionPublic,
)
async def appeal(ctx: Ctx) -> SanctionPublic:
    data: AppealCreate = ctx.body
    sanction = await ctx.services.act(do_appeal, ctx.user, ctx.path_int("sanction_id"), data.note)
    return reads.sanction_public(sanction)


# ---- moderators and admins --------------------------------------------------------------


@api.route(
    "GET",
    "/api/moderation/reports",
    summary="The queue: open reports, oldest first; or decided ones, newest first",
    returns=ReportsPage,
    query=[
        Param("status", "open (the default) or decided", enum=("open", "decided")),
        Param("before", "the page's 'before': the next page", "integer"),
    ],
    role="moderator",
)
async def list_reports(ctx: Ctx) -> ReportsPage:
    status = ctx.request.query_params.get("status") or "open"
    if status not in ("open", "decided"):
        raise InvalidError("status: open or decided")
    async with ctx.services.db.reader() as db:
        return await reads.queue(
            db, ctx.user, decided=status == "decided", before=ctx.query_int("before")
        )


@api.route(
    "GET",
    "/api/moderation/reports/{report_id:id}",
    summary="A report in its context: the thread, the channel, the person's history",
    returns=ReportDetail,
    role="moderator",
)
async def get_report(ctx: Ctx) -> ReportDetail:
    async with ctx.services.db.reader() as db:
        return await reads.report_detail(db, ctx.user, ctx.path_int("report_id"))


@api.route(
    "POST",
    "/api/moderation/reports/{report_id:id}/decision",
    summary="Decide a report: dismiss, hide, delete, warn, mute or suspend, with a reason",
    body=Decision,
    returns=ReportDetail,
    role="moderator",
)
async def decide_report(ctx: Ctx) -> ReportDetail:
    report_id = ctx.path_int("report_id")
    await ctx.services.act(do_decide_report, ctx.user, report_id, ctx.body)
    async with ctx.services.db.reader() as db:
        return await reads.report_detail(db, ctx.user, report_id)


@api.route(
    "GET",
    "/api/moderation/appeals",
    summary="Appeals waiting for a decision, oldest first",
    returns=list[AppealPublic],
    role="moderator",
)
async def list_appeals(ctx: Ctx) -> list[AppealPublic]:
    async with ctx.services.db.reader() as db:
        return await reads.appeals(db, ctx.user)


@api.route(
    "POST",
    "/api/moderation/sanctions/{sanction_id:id}/appeal-decision",
    summary="Uphold an appealed sanction, or lift it, with a reason",
    body=AppealDecision,
    returns=SanctionPublic,
    role="moderator",
)
async def decide_appeal(ctx: Ctx) -> SanctionPublic:
    sanction = await ctx.services.act(
        do_decide_appeal, ctx.user, ctx.path_int("sanction_id"), ctx.body
    )
    return reads.sanction_public(sanction)


@api.route(
    "POST",
    "/api/moderation/sanctions/{sanction_id:id}/lift",
    summary="Lift a sanction now, with a reason (hidden content comes back)",
    body=Lift,
    returns=SanctionPublic,
    role="moderator",
)
async def lift_sanction(ctx: Ctx) -> SanctionPublic:
    data: Lift = ctx.body
    sanction = await ctx.services.act(
        do_lift_sanction, ctx.user, ctx.path_int("sanction_id"), data.reason
    )
    return reads.sanction_public(sanction)


@api.route(
    "POST",
    "/api/moderation/posts/{post_id:id}/unhide",
    summary="Bring back a hidden post or comment, with a reason",
    body=Lift,
    role="moderator",
)
async def unhide(ctx: Ctx) -> None:
    data: Lift = ctx.body
    await ctx.services.act(do_unhide, ctx.user, ctx.path_int("post_id"), data.reason)
