"""Working hours for the waiting alerts (questions/hours.py), and the settings
that define them (questions/settings.py): pure, no database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from questions.hours import due
from questions.settings import QuestionSettings

JST = timedelta(hours=9)


def jst(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC) - JST


@pytest.mark.parametrize(
    ("asked", "hours", "expected"),
    [
        (jst(5, 8, 17), 4, jst(5, 11, 12)),  # Friday 17:00 -> Monday 12:00
        (jst(5, 8, 17), 8, jst(5, 11, 16)),  # and the second delay
        (jst(5, 9, 12), 4, jst(5, 11, 13)),  # Saturday: counts from Monday 9:00
        (jst(5, 11, 7), 4, jst(5, 11, 13)),  # before work: from 9:00
        (jst(5, 11, 20), 4, jst(5, 12, 13)),  # after work: the next morning
        (jst(5, 11, 10), 4, jst(5, 11, 14)),  # within one day
        (jst(5, 11, 10), 9, jst(5, 12, 10)),  # exactly one working day
    ],
)
def test_due_counts_working_hours_in_tokyo(
    asked: datetime, hours: float, expected: datetime
) -> None:
    assert due(asked, hours, QuestionSettings()) == expected


def test_other_zones_days_and_a_day_that_ends_at_midnight() -> None:
    s = QuestionSettings(time_zone="Europe/Paris", work_days=[0, 1, 2, 3, 4, 5], work_end=24)
    # Saturday 22:00 in Paris (summer: UTC+2) plus 3 hours: two on Saturday
    # until midnight, none on Sunday, one from Monday 9:00: 10:00 (8:00 UTC).
    asked = datetime(2026, 5, 9, 20, tzinfo=UTC)
    assert due(asked, 3, s) == datetime(2026, 5, 11, 8, tzinfo=UTC)


@pytest.mark.parametrize(
    "bad",
    [
        {"time_zone": "Mars/Base"},
        {"work_days": []},
        {"work_days": [7]},
        {"work_days": [1, 1]},
        {"work_start": 18, "work_end": 9},
        {"first_delay_hours": 8, "second_delay_hours": 4},
        {"first_delay_hours": 0},
    ],
)
def test_settings_that_do_not_hold_together_are_refused(bad: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        QuestionSettings.model_validate(bad)


def test_mention_mail_names_an_anonymous_asker_as_such() -> None:
    """A mention by an anonymous asker is actor 0, no name: the mail (both
    languages) says "匿名の新人" / "Anonymous newcomer", never "さん" alone."""
    from notify import emails

    mention = emails.Mention(
        id=1,
        channel_id=5,
        channel_name="新人の質問箱",
        post_id=41,
        thread_id=None,
        actor_name="",
        excerpt="@Bob 教えてください",
        created_at=datetime(2026, 5, 8, tzinfo=UTC),
    )
    digest = emails.Digest(1, "bob@example.com", "Bob", None, [mention])
    links = emails.Links(base_url="http://k", unsubscribe_page="http://k/u", delay_minutes=15)
    text = emails.subject(digest) + emails.body(digest, links)
    assert "匿名の新人" in text and "Anonymous newcomer" in text
    assert "さん（" not in text
