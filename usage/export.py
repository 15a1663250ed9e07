"""Every table of the report as CSV: UTF-8 with a BOM (Excel reads Japanese
right), CRLF line ends, cells that a spreadsheet would run as a formula
neutralised (as the people export does: org/roster.py). A suppressed figure
(drawn from fewer than 5 people) is written ``<5``, an empty cell a figure
that does not exist (a feature not available)."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from org.roster import neutralise
from usage.models import MIN_PEOPLE, Report

SUPPRESSED = f"<{MIN_PEOPLE}"


def _cell(value: Any, suppressed: bool) -> str:
    if value is None:
        return SUPPRESSED if suppressed else ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _rows(items: Iterable[Any], columns: Sequence[str]) -> list[list[str]]:
    return [
        [_cell(getattr(i, c), bool(getattr(i, "suppressed", False))) for c in columns]
        for i in items
    ]


def _matrix(r: Report) -> list[list[str]]:
    names = {d.id: d.name for d in r.matrix_departments}
    cols = ("people", "comments", "likes", "mentions", "shared_groups", "total")
    return [
        [
            names.get(c.source, ""),
            names.get(c.target, ""),
            *(_cell(getattr(c, k), c.suppressed) for k in cols),
        ]
        for c in r.matrix
    ]


def _features(r: Report) -> list[list[str]]:
    return [
        [
            f.feature,
            _cell(f.available, False),
            _cell(f.people, f.suppressed),
            _cell(f.previous, f.available and f.previous is None),
            _cell(f.change, False),
            _cell(f.unused, False),
        ]
        for f in r.features
    ]


ACTIVE = ("period", "people")
CHANNEL = ("channel_id", "name", "kind", "people", "actions")
TABLES: dict[str, tuple[Sequence[str], Callable[[Report], list[list[str]]]]] = {
    "active_days": (("day", "people"), lambda r: _rows(r.days, ACTIVE)),
    "active_weeks": (("week", "people"), lambda r: _rows(r.weeks, ACTIVE)),
    "active_months": (("month", "people"), lambda r: _rows(r.months, ACTIVE)),
    "departments": (
        ("week", "department", "people", "posts", "comments", "likes"),
        lambda r: _rows(
            r.departments, ("week", "department", "people", "posts", "comments", "likes")
        ),
    ),
    "most_active_channels": (CHANNEL, lambda r: _rows(r.most_active_channels, CHANNEL)),
    "least_active_channels": (CHANNEL, lambda r: _rows(r.least_active_channels, CHANNEL)),
    "features": (
        ("feature", "available", "people_30_days", "people_30_days_before", "change", "unused"),
        _features,
    ),
    "matrix": (
        (
            "from_department",
            "to_department",
            "people",
            "comments",
            "likes",
            "mentions",
            "shared_groups",
            "total",
        ),
        _matrix,
    ),
    "crossing": (
        ("week", "interactions", "crossing", "index"),
        lambda r: _rows(r.crossing, ("week", "interactions", "crossing", "index")),
    ),
    "newcomer_questions": (
        ("questions", "askers", "answered", "median_hours_to_first_answer", "answered_within_day"),
        lambda r: _rows(
            [r.newcomers.questions] if r.newcomers else [],
            (
                "questions",
                "askers",
                "answered",
                "median_hours_to_first_answer",
                "answered_within_day",
            ),
        ),
    ),
    "newcomer_weeks": (
        ("week", "newcomers", "active", "posts", "comments", "likes"),
        lambda r: _rows(
            r.newcomers.weeks if r.newcomers else [],
            ("week", "newcomers", "active", "posts", "comments", "likes"),
        ),
    ),
}


def export(report: Report, table: str) -> bytes:
    """One table (a key of ``TABLES``) as CSV bytes."""
    header, rows = TABLES[table]
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows(report):
        writer.writerow([neutralise(cell) for cell in row])
    return "\ufeff".encode() + out.getvalue().encode("utf-8")
