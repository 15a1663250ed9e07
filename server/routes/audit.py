"""The audit log over HTTP, for admins: pages filtered by person, action and
dates, the same as CSV, the audited actions, and how long entries are kept.
Nothing here (nor anywhere) edits or deletes an entry: the log is written
only by the write path (audit/registry.py) and thinned only by retention."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from starlette.responses import Response

from audit import reads
from audit.kinds import AuditExported
from audit.models import PAGE_SIZE, RETENTION_KEY, AuditPage, AuditRules, AuditRulesUpdate
from audit.registry import AUDITED
from core.clock import utcnow
from core.errors import InvalidError
from org import settings as company
from server.api import Ctx, Param, api
from streams.unit import Unit

_FILTERS = [
    Param("person", "a person's id: entries by them or about them", "integer"),
    Param("action", "an audited action (GET /api/audit/actions)", max_length=40),
    Param("since", "YYYY-MM-DD: entries on or after that day (UTC)", max_length=10),
    Param("until", "YYYY-MM-DD: entries on or before that day (UTC)", max_length=10),
]


_NAMES = {p.name for p in _FILTERS}


def _day(ctx: Ctx, name: str) -> date | None:
    raw = ctx.request.query_params.get(name)
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise InvalidError(f"{name}: a date as YYYY-MM-DD") from None


def _filter(ctx: Ctx) -> reads.Filter:
    action = ctx.request.query_params.get("action") or None
    if action is not None and action not in AUDITED:
        raise InvalidError("action: not an audited action (GET /api/audit/actions)")
    since, until = _day(ctx, "since"), _day(ctx, "until")
    return reads.Filter(
        person=ctx.query_int("person"),
        action=action,
        since=datetime.combine(since, datetime.min.time(), UTC) if since else None,
        until=(
            datetime.combine(until, datetime.min.time(), UTC) + timedelta(days=1) if until else None
        ),
    )


@api.route(
    "GET",
    "/api/audit",
    summary="The audit log, newest first, a page at a time (admins)",
    returns=AuditPage,
    query=[*_FILTERS, Param("before", "the page's 'before': the next older page", "integer")],
    role="admin",
)
async def audit_page(ctx: Ctx) -> AuditPage:
    f = _filter(ctx)
    async with ctx.services.db.connection() as conn:
        return await reads.page(conn, f, before=ctx.query_int("before"), limit=PAGE_SIZE)


@api.route(
    "GET",
    "/api/audit/export",
    summary="The audit log's entries that match, as a CSV file (UTF-8 with BOM; admins)",
    query=_FILTERS,
    produces="text/csv",
    role="admin",
)
async def audit_export(ctx: Ctx) -> Response:
    f = _filter(ctx)
    async with ctx.services.db.connection() as conn:
        body, rows = await reads.export(conn, f)
    asked = {k: v for k, v in ctx.request.query_params.items() if k in _NAMES}

    async def note(unit: Unit) -> None:
        unit.note(AuditExported(filters=asked, rows=rows))

    await ctx.services.write(note, ctx.user)
    stamp = utcnow().strftime("%Y%m%d")
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": f'attachment; filename="kaisha-audit-{stamp}.csv"'},
    )


@api.route(
    "GET",
    "/api/audit/actions",
    summary="Every audited action, for the filter (admins)",
    returns=list[str],
    role="admin",
)
async def audit_actions(ctx: Ctx) -> list[str]:
    return sorted(AUDITED)


@api.route(
    "GET",
    "/api/audit/settings",
    summary="How long audit entries are kept (admins)",
    returns=AuditRules,
    role="admin",
)
async def audit_settings(ctx: Ctx) -> AuditRules:
    async with ctx.services.db.reader() as db:
        return await company.load(db, RETENTION_KEY, AuditRules)


@api.route(
    "PUT",
    "/api/audit/settings",
    summary="Set how long audit entries are kept, in days (admins)",
    body=AuditRulesUpdate,
    returns=AuditRules,
    role="admin",
)
async def set_audit_settings(ctx: Ctx) -> AuditRules:
    rules = AuditRules(retention_days=ctx.body.retention_days)

    async def apply(unit: Unit) -> AuditRules:
        await company.save(unit, RETENTION_KEY, rules, ctx.user.id)
        return rules

    return await ctx.services.write(apply, ctx.user)
