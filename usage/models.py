"""The rollup tables the analytics job fills, and the report's API shapes.

- ``analytics_use``: one row per (UTC day, feature, person, channel) with how
  many times the person used the feature there that day (channel 0: none).
  Active people, feature use, department and channel figures are counted
  from it.
- ``analytics_link``: one row per (UTC day, kind, actor, target) for each
  interaction between two people (a comment on someone's post, a like of
  it, a mention): the department matrix and the cross-department index.
- ``analytics_search``: who searched on which UTC day (no query text): the
  only record of searching there is.
- ``analytics_state``: one row per job (``report``): up to which day the
  rollups are final, when a node claimed a round, and the last report built.

The rollups hold person ids because distinct people must be counted over any
window; nothing reads them but the job, and no route answers a row of them.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, field_validator
from pydantic import Field as PField
from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from core.schema import StrictModel

MIN_PEOPLE = 5  # a figure drawn from fewer people is suppressed


class AnalyticsUse(SQLModel, table=True):
    __tablename__ = "analytics_use"
    day: date = Field(primary_key=True)
    feature: str = Field(primary_key=True, max_length=20)
    user_id: int = Field(primary_key=True)
    channel_id: int = Field(primary_key=True, default=0)
    uses: int = 1


class AnalyticsLink(SQLModel, table=True):
    __tablename__ = "analytics_link"
    day: date = Field(primary_key=True)
    kind: str = Field(primary_key=True, max_length=10)  # comment, like, mention
    actor_id: int = Field(primary_key=True)
    target_id: int = Field(primary_key=True)
    n: int = 1


class AnalyticsSearch(SQLModel, table=True):
    __tablename__ = "analytics_search"
    user_id: int = Field(primary_key=True)
    day: date = Field(primary_key=True)


class AnalyticsState(SQLModel, table=True):
    __tablename__ = "analytics_state"
    name: str = Field(primary_key=True, max_length=20)
    # The rollups are final for the days before this one (null: never filled).
    filled_until: date | None = None
    # The features whose rows are filled (a new entry is counted over the
    # whole window at its first round).
    counted: list[str] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False, server_default="[]")
    )
    claimed_at: datetime | None = None  # a node's claim of a round (exactly once)
    computed_at: datetime | None = None
    seconds: float | None = None  # how long the last round took
    report: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))


# ---- API shapes -------------------------------------------------------------
# A figure drawn from fewer than MIN_PEOPLE people is null with
# ``suppressed: true``; a zero (nobody at all) is shown as it is.


class Active(BaseModel):
    period: str  # a day, a week's Monday, or a month's first day (YYYY-MM-DD)
    people: int | None
    suppressed: bool


class DepartmentWeek(BaseModel):
    week: str  # its Monday
    department_id: int
    department: str
    people: int | None
    posts: int | None
    comments: int | None
    likes: int | None
    suppressed: bool


class ChannelUse(BaseModel):
    channel_id: int
    name: str
    kind: str  # department or group
    people: int | None
    actions: int | None  # posts, comments and likes in the last 30 days
    suppressed: bool


class FeatureUse(BaseModel):
    feature: str
    available: bool  # false: not part of this installation yet
    people: int | None  # who used it in the last 30 days
    previous: int | None  # in the 30 days before
    change: int | None  # people - previous, when both are shown
    unused: bool  # nobody used it in the last 30 days
    suppressed: bool


class DepartmentRef(BaseModel):
    id: int
    name: str


class MatrixCell(BaseModel):
    """Interactions from people of one department (``source``) to people of
    another (``target``) in the last 30 days, and the group memberships they
    share now."""

    source: int
    target: int
    people: int | None
    comments: int | None
    likes: int | None
    mentions: int | None
    shared_groups: int | None
    total: int | None  # comments + likes + mentions
    suppressed: bool


class Crossing(BaseModel):
    week: str
    interactions: int | None
    crossing: int | None
    index: float | None  # crossing / interactions, 0 to 1
    suppressed: bool


class NewcomerQuestions(BaseModel):
    questions: int | None
    askers: int | None
    answered: int | None
    median_hours_to_first_answer: float | None
    answered_within_day: float | None
    suppressed: bool


class NewcomerWeek(BaseModel):
    week: int  # 1: their first seven days
    newcomers: int | None  # whose week it was (it has ended)
    active: int | None  # of them, who used anything that week
    posts: int | None
    comments: int | None
    likes: int | None
    suppressed: bool


class Newcomers(BaseModel):
    questions: NewcomerQuestions
    weeks: list[NewcomerWeek]


class Report(BaseModel):
    computed_at: str | None  # null: the job has not run yet
    seconds: float | None  # how long the job's last round took
    today: str
    min_people: int = MIN_PEOPLE
    days: list[Active] = PField(default_factory=list)
    weeks: list[Active] = PField(default_factory=list)
    months: list[Active] = PField(default_factory=list)
    departments: list[DepartmentWeek] = PField(default_factory=list)
    most_active_channels: list[ChannelUse] = PField(default_factory=list)
    least_active_channels: list[ChannelUse] = PField(default_factory=list)
    features: list[FeatureUse] = PField(default_factory=list)
    matrix_departments: list[DepartmentRef] = PField(default_factory=list)
    matrix: list[MatrixCell] = PField(default_factory=list)
    crossing: list[Crossing] = PField(default_factory=list)
    newcomers: Newcomers | None = None
    survey_url: str = ""


class AnalyticsSettings(StrictModel):
    """The survey that asks people why they do not use a feature: linked from
    every feature few or none use (a page of this site, ``#/...``, or an
    https address); empty: no link."""

    survey_url: str = PField(default="", max_length=500)

    @field_validator("survey_url")
    @classmethod
    def _a_link(cls, value: str) -> str:
        if value and not (value.startswith(("#/", "https://", "http://")) and " " not in value):
            raise ValueError("a page of this site (#/...) or an http(s) address")
        return value
