"""Usage analytics over HTTP, for admins (usage/): the report the job
last stored, each of its tables as CSV, and the survey linked from features
few or none use. Every route answers members 403."""

from __future__ import annotations

from starlette.responses import Response

from core.clock import utcnow
from core.errors import InvalidError
from org import settings as company
from server.api import Ctx, Param, api
from streams.unit import Unit
from usage import export, features
from usage.facts import AnalyticsExported
from usage.job import stored
from usage.models import AnalyticsSettings, FeatureUse, Report

SETTINGS_KEY = "analytics"


def _empty() -> Report:
    """Before the job's first round: every feature listed, nothing counted."""
    now = utcnow()
    return Report(
        computed_at=None,
        seconds=None,
        today=now.date().isoformat(),
        features=[
            FeatureUse(
                feature=f,
                available=f in features.ENTRIES,
                people=None,
                previous=None,
                change=None,
                unused=False,
                suppressed=False,
            )
            for f in features.FEATURES
        ],
    )


async def _report(ctx: Ctx) -> Report:
    async with ctx.services.db.reader() as db:
        report = await stored(db) or _empty()
        rules = await company.load(db, SETTINGS_KEY, AnalyticsSettings)
    report.survey_url = rules.survey_url
    return report


@api.route(
    "GET",
    "/api/analytics",
    summary="Usage analytics: active people, departments, channels, feature use, the"
    " department matrix and cross-department index, newcomers (admins; figures from"
    " fewer than 5 people are null with suppressed true)",
    returns=Report,
    role="admin",
)
async def analytics_report(ctx: Ctx) -> Report:
    return await _report(ctx)


@api.route(
    "GET",
    "/api/analytics/export",
    summary="One table of the analytics report as a CSV file (UTF-8 with BOM; admins)",
    query=[
        Param("table", "which table", required=True, enum=tuple(export.TABLES)),
    ],
    produces="text/csv",
    role="admin",
)
async def analytics_export(ctx: Ctx) -> Response:
    table = ctx.request.query_params.get("table") or ""
    if table not in export.TABLES:
        raise InvalidError(f"table: one of {', '.join(export.TABLES)}")
    report = await _report(ctx)
    body = export.export(report, table)
    rows = body.count(b"\r\n") - 1

    async def note(unit: Unit) -> None:
        unit.note(AnalyticsExported(table=table, rows=rows))

    await ctx.services.write(note, ctx.user)
    stamp = utcnow().strftime("%Y%m%d")
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={
            "content-disposition": f'attachment; filename="kaisha-analytics-{table}-{stamp}.csv"'
        },
    )


@api.route(
    "GET",
    "/api/analytics/settings",
    summary="The survey linked from features few or none use (admins)",
    returns=AnalyticsSettings,
    role="admin",
)
async def analytics_settings(ctx: Ctx) -> AnalyticsSettings:
    async with ctx.services.db.reader() as db:
        return await company.load(db, SETTINGS_KEY, AnalyticsSettings)


@api.route(
    "PUT",
    "/api/analytics/settings",
    summary="Set the survey linked from features few or none use: a page of this site"
    " (#/...) or an http(s) address, or empty (admins)",
    body=AnalyticsSettings,
    returns=AnalyticsSettings,
    role="admin",
)
async def set_analytics_settings(ctx: Ctx) -> AnalyticsSettings:
    rules: AnalyticsSettings = ctx.body

    async def apply(unit: Unit) -> AnalyticsSettings:
        await company.save(unit, SETTINGS_KEY, rules, ctx.user.id)
        return rules

    return await ctx.services.write(apply, ctx.user)
