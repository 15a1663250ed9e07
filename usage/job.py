"""One round of the analytics job, and the record of searches: the writes
this package makes, each in the caller's unit (streams/unit.py)."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime

from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel.ext.asyncio.session import AsyncSession

from core.tables import table_of
from streams.unit import Unit
from usage import features, report, rollup
from usage.models import AnalyticsSearch, AnalyticsState, Report

_STATE, _SEARCH = table_of(AnalyticsState), table_of(AnalyticsSearch)


def _insert(conn: AsyncConnection):  # type: ignore[no-untyped-def]
    return pg_insert if conn.dialect.name == "postgresql" else sqlite_insert


async def do_refresh(unit: Unit, now: datetime, gap: float) -> Report | None:
    """Claim a round (None: another node has it, or ran one less than ``gap``
    seconds ago), bring the rollups up to ``now`` and store the report built
    from them."""
    started = time.perf_counter()
    conn = await unit.db.connection()
    claimed = await rollup.claim(conn, now, gap)
    if claimed is None:
        return None
    filled_until, counted, last = claimed
    on = now.astimezone(UTC).date()
    recount = await rollup.fill(conn, filled_until, list(counted or ()), on)
    try:
        previous = Report.model_validate(last) if last else None
    except ValueError:  # a report of an older shape: count everything again
        previous = None
    built = await report.build(conn, now, previous=previous, recount=recount)
    built.seconds = round(time.perf_counter() - started, 3)
    await conn.execute(
        update(_STATE)
        .where(_STATE.c.name == rollup.STATE)
        .values(
            filled_until=on,
            counted=features.available(),
            computed_at=now,
            seconds=built.seconds,
            report=built.model_dump(mode="json"),
        )
    )
    return built


async def stored(db: AsyncSession) -> Report | None:
    """The last report a round stored, or None before the first."""
    row = await db.get(AnalyticsState, rollup.STATE)
    if row is None or row.report is None:
        return None
    return Report.model_validate(row.report)


async def do_note_search(unit: Unit, user_id: int, day: date) -> None:
    """``user_id`` searched on ``day`` (once a day is all that is kept)."""
    conn = await unit.db.connection()
    await conn.execute(
        _insert(conn)(_SEARCH).values(user_id=user_id, day=day).on_conflict_do_nothing()
    )
