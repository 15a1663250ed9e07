"""Working hours, pure: when a delay of ``hours`` working hours after a moment
ends, counting only the company's working days and hours in its time zone.

>>> from datetime import datetime, UTC
>>> s = QuestionSettings()  # Mon–Fri, 9:00–18:00, Asia/Tokyo
>>> due(datetime(2026, 5, 8, 8, tzinfo=UTC), 4, s)  # Friday 17:00 JST
datetime.datetime(2026, 5, 11, 3, 0, tzinfo=datetime.timezone.utc)

(Friday 17:00–18:00 is one hour; Monday 9:00–12:00 the other three.) A moment
outside working time starts counting at the next working time.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from questions.settings import QuestionSettings


def due(start: datetime, hours: float, s: QuestionSettings) -> datetime:
    """The moment ``hours`` working hours after ``start`` (aware, any zone), in UTC."""
    zone = s.zone
    left = timedelta(hours=hours)
    at = start.astimezone(zone)
    days = set(s.work_days)
    for _ in range(3660):  # ten years of days: settings bound the delay far below
        day = at.date()
        opens = datetime.combine(day, time(s.work_start), zone)
        closes = (
            datetime.combine(day + timedelta(days=1), time(0), zone)
            if s.work_end == 24
            else datetime.combine(day, time(s.work_end), zone)
        )
        if day.weekday() in days and at < closes:
            begin = max(at, opens)
            if begin + left <= closes:
                return (begin + left).astimezone(UTC)
            left -= closes - begin
        at = datetime.combine(day + timedelta(days=1), time(0), zone)
    raise ValueError("no working time in ten years")
