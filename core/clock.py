"""Timestamps: aware UTC everywhere (SQLModel stores them as UTC on SQLite and
PostgreSQL alike), ISO 8601 with ``Z`` on the wire."""

from __future__ import annotations

from datetime import UTC, date, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)


def iso(ts: datetime | None) -> str | None:
    if ts is None:
        return None
    return ts.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="milliseconds") + "Z"


def today() -> date:
    """The company's date: the server's local calendar day (set ``TZ`` to the
    company's zone). Start dates and the newcomer period count in it."""
    return datetime.now().astimezone().date()
