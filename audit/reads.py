"""Reading the audit log: pages filtered by person, action and dates, newest
first, and the same as a CSV file. Admins only (the routes check; these
functions read whatever they are asked)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select

from audit.models import MAX_EXPORT_ROWS, PAGE_SIZE, AuditEntry, AuditEntryPublic, AuditPage
from core.clock import iso
from core.tables import table_of
from org.roster import neutralise
from streams.log import Reader, connection_of

_ENTRY = table_of(AuditEntry)


@dataclass(frozen=True, slots=True)
class Filter:
    person: int | None = None  # who acted, or whom it is about
    action: str | None = None
    since: datetime | None = None  # at or after
    until: datetime | None = None  # before


def _where(f: Filter) -> list[Any]:
    where: list[Any] = []
    if f.person is not None:
        where.append(or_(_ENTRY.c.actor_id == f.person, _ENTRY.c.subject_id == f.person))
    if f.action:
        where.append(_ENTRY.c.action == f.action)
    if f.since is not None:
        where.append(_ENTRY.c.at >= f.since)
    if f.until is not None:
        where.append(_ENTRY.c.at < f.until)
    return where


def _public(row: Any) -> AuditEntryPublic:
    return AuditEntryPublic(
        id=row.id,
        at=iso(row.at) or "",
        action=row.action,
        actor_id=row.actor_id,
        actor=row.actor_label,
        target_type=row.target_type,
        target_id=row.target_id,
        target=row.target_label,
        subject_id=row.subject_id,
        old=row.old,
        new=row.new,
        details=row.details or {},
    )


async def page(
    db: Reader, f: Filter, *, before: int | None = None, limit: int = PAGE_SIZE
) -> AuditPage:
    conn = await connection_of(db)
    where = _where(f)
    if before is not None:
        where.append(_ENTRY.c.id < before)
    rows = list(
        await conn.execute(
            select(_ENTRY).where(*where).order_by(_ENTRY.c.id.desc()).limit(limit + 1)
        )
    )
    more = len(rows) > limit
    rows = rows[:limit]
    return AuditPage(
        entries=[_public(r) for r in rows], before=rows[-1].id if more and rows else None
    )


EXPORT_COLUMNS = ("id", "at", "action", "actor_id", "actor", "target_type", "target_id", "target")
EXPORT_COLUMNS_TAIL = ("old", "new", "details")


async def export(db: Reader, f: Filter) -> tuple[bytes, int]:
    """The entries that match, newest first, at most ``MAX_EXPORT_ROWS``: UTF-8
    with a BOM (Excel reads Japanese right), CRLF line ends, cells that could
    be formulas neutralised (as the people export does: org/roster.py)."""
    conn = await connection_of(db)
    rows = await conn.execute(
        select(_ENTRY).where(*_where(f)).order_by(_ENTRY.c.id.desc()).limit(MAX_EXPORT_ROWS)
    )
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([*EXPORT_COLUMNS, *EXPORT_COLUMNS_TAIL])
    count = 0
    for row in rows:
        count += 1
        entry = _public(row)
        cells: Sequence[Any] = (
            entry.id,
            entry.at,
            entry.action,
            entry.actor_id if entry.actor_id is not None else "",
            entry.actor,
            entry.target_type or "",
            entry.target_id or "",
            entry.target,
            _json(entry.old),
            _json(entry.new),
            _json(entry.details),
        )
        writer.writerow([neutralise(str(c)) for c in cells])
    return "\ufeff".encode() + out.getvalue().encode("utf-8"), count


def _json(value: Any) -> str:
    return "" if value is None or value == {} else json.dumps(value, ensure_ascii=False)
