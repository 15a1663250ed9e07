"""Tables and API shapes for onboarding: the checklist an admin prepares per
department (or for everyone), what each newcomer has done of it, and the
shapes of the welcome page, a mentor's page and mentor suggestions."""

from __future__ import annotations

import enum
from datetime import date, datetime

from pydantic import BaseModel, StrictBool
from pydantic import Field as PField
from sqlmodel import Field, SQLModel

from channels.models import PersonRef
from core.clock import utcnow
from core.schema import DbId, StrictModel
from org.newcomers import MAX_DAYS, MAX_MENTORS, MAX_TEMPLATE

MAX_ITEMS = 30  # per department (and for everyone)
MAX_GROUPS = 20  # the most groups a ``join_groups`` item may ask for


class ChecklistKind(enum.StrEnum):
    """What ticks an item.

    - ``join_groups``: the newcomer is in ``count`` interest groups;
    - ``introduce``: they posted in their department's channel;
    - ``ask_question``: they asked a question (in a Q&A channel, anonymously
      or not, or flagged as one in a direct conversation), or a post or
      comment of theirs mentions one of their mentors;
    - ``manual``: they tick it themselves.
    """

    join_groups = "join_groups"
    introduce = "introduce"
    ask_question = "ask_question"
    manual = "manual"


class ChecklistItem(SQLModel, table=True):
    """One thing a newcomer of a department (of every department: no
    department) is asked to do."""

    __tablename__ = "checklist_item"
    id: int | None = Field(default=None, primary_key=True)
    department_id: int | None = Field(default=None, foreign_key="department.id", index=True)
    kind: str = Field(max_length=20)
    title: str = Field(max_length=200)
    count: int = 1  # join_groups: how many groups
    created_at: datetime = Field(default_factory=utcnow)
    created_by: int | None = Field(default=None, foreign_key="account.id")


class ChecklistTick(SQLModel, table=True):
    """An item a person has done (ticked by the system, or by them for ``manual``)."""

    __tablename__ = "checklist_tick"
    user_id: int = Field(foreign_key="account.id", primary_key=True)
    item_id: int = Field(foreign_key="checklist_item.id", primary_key=True, index=True)
    done_at: datetime = Field(default_factory=utcnow)


# ---- API shapes -------------------------------------------------------------------


class ChecklistItemPublic(BaseModel):
    id: int
    department_id: int | None  # null: for every newcomer
    kind: ChecklistKind
    title: str
    count: int


class ChecklistEntry(BaseModel):
    """An item as one newcomer's checklist shows it."""

    id: int
    kind: ChecklistKind
    title: str
    count: int
    done: bool


class Checklist(BaseModel):
    items: list[ChecklistEntry]
    done: int
    total: int


class WelcomePublic(BaseModel):
    """One's welcome page: whether one is a newcomer now, one's mentors, one's
    department (and its channel), and one's checklist."""

    newcomer: bool
    start_date: date | None
    newcomer_until: date | None  # the first day one is no longer new
    department: str | None
    department_channel_id: int | None
    mentors: list[PersonRef]
    checklist: Checklist


class NewcomerPublic(BaseModel):
    """A newcomer as their mentor sees them on "My newcomers"."""

    person: PersonRef
    start_date: date | None
    checklist: Checklist


class MentorSuggestion(BaseModel):
    """Someone who could mentor a newcomer, and why they come where they do:
    other departments first, then shared interest groups, then fewer newcomers
    already (``score`` orders them, highest first)."""

    person: PersonRef
    other_department: bool
    shared_groups: int
    mentoring: int  # newcomers they mentor now
    score: int


class MentorsSet(StrictModel):
    """The newcomer's mentors, all of them (an empty list removes every one)."""

    mentor_ids: list[DbId] = PField(max_length=MAX_MENTORS)


class ChecklistItemCreate(StrictModel):
    department_id: DbId | None = None
    kind: ChecklistKind
    title: str = PField(min_length=1, max_length=200)
    count: int = PField(default=1, ge=1, le=MAX_GROUPS)


class TickSet(StrictModel):
    done: StrictBool


class OnboardingSettings(BaseModel):
    newcomer_days: int
    welcome_template: str
    default_template: str  # the default, to go back to


class OnboardingSettingsUpdate(StrictModel):
    newcomer_days: int | None = PField(default=None, ge=1, le=MAX_DAYS)
    welcome_template: str | None = PField(default=None, min_length=1, max_length=MAX_TEMPLATE)
