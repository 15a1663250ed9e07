"""Tables and API shapes for surveys (アンケート).

Four kinds of table, kept apart on purpose:

- what a survey asks: ``survey``, ``survey_question``, ``survey_option``,
  ``survey_department`` (its audience, when not the whole company);
- who has answered: ``survey_respondent`` (survey, person, when), for
  reminders, to refuse a second answer and for usage figures;
- what was answered: ``survey_pool``, one row per survey holding every
  response as a list in random order (surveys/pool.py says why: no row per
  response, so nothing can be joined back to a respondent by id, time,
  insertion order or transaction);
- who may make surveys besides admins: ``survey_maker``.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, StrictBool, StrictInt, StrictStr, model_validator
from pydantic import Field as PField
from sqlalchemy import JSON, Column, Index
from sqlmodel import Field, SQLModel

from channels.models import PersonRef
from core.clock import utcnow
from core.schema import DbId, StrictModel

MAX_QUESTIONS = 30
MAX_OPTIONS = 20
MAX_TEXT_ANSWER = 2000
MIN_CELL = 5  # an anonymous survey shows no department with fewer respondents
REMIND_EVERY_MINUTES = 60  # one reminder an hour at most


class QuestionKind(enum.StrEnum):
    single = "single"  # one option
    multiple = "multiple"  # one or more options
    scale = "scale"  # 1 to 5
    text = "text"  # free text


class Survey(SQLModel, table=True):
    __tablename__ = "survey"
    __table_args__ = (Index("ix_survey_created", "created_by", "created_at"),)
    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=200)
    description: str = Field(default="", max_length=2000)
    anonymous: bool = False
    company: bool = True  # the whole company, else the departments of survey_department
    opens_at: datetime
    closes_at: datetime
    template: str | None = Field(default=None, max_length=40)  # made from this template
    created_by: int = Field(foreign_key="account.id")
    created_at: datetime = Field(default_factory=utcnow)
    # When its audience was told it opened (claimed once: surveys/opening.py).
    announced_at: datetime | None = None
    reminded_at: datetime | None = None
    reminded_by: int | None = Field(default=None, foreign_key="account.id")


class SurveyDepartment(SQLModel, table=True):
    __tablename__ = "survey_department"
    survey_id: int = Field(foreign_key="survey.id", primary_key=True)
    department_id: int = Field(foreign_key="department.id", primary_key=True, index=True)


class SurveyQuestion(SQLModel, table=True):
    __tablename__ = "survey_question"
    id: int | None = Field(default=None, primary_key=True)
    survey_id: int = Field(foreign_key="survey.id", index=True)
    position: int
    kind: str = Field(max_length=10)
    text: str = Field(max_length=500)
    required: bool = True


class SurveyOption(SQLModel, table=True):
    __tablename__ = "survey_option"
    id: int | None = Field(default=None, primary_key=True)
    question_id: int = Field(foreign_key="survey_question.id", index=True)
    position: int
    label: str = Field(max_length=200)


class SurveyRespondent(SQLModel, table=True):
    """That a person answered a survey, and when (never what: that is in the
    pool, which names nobody in an anonymous survey). Usage figures count
    people by ``answered_at``; reminders go to the audience not in here."""

    __tablename__ = "survey_respondent"
    __table_args__ = (Index("ix_survey_respondent_at", "answered_at"),)
    survey_id: int = Field(foreign_key="survey.id", primary_key=True)
    user_id: int = Field(foreign_key="account.id", primary_key=True, index=True)
    answered_at: datetime = Field(default_factory=utcnow)


class SurveyPool(SQLModel, table=True):
    """Every response of a survey, in random order: ``responses`` is a list of
    ``{"answers": {"<question id>": value}}`` (plus ``"person": id`` in a
    named survey only). No id, no time, no department per response."""

    __tablename__ = "survey_pool"
    survey_id: int = Field(foreign_key="survey.id", primary_key=True)
    count: int = 0
    responses: list[dict[str, Any]] = Field(sa_column=Column(JSON, nullable=False))


class SurveyMaker(SQLModel, table=True):
    """Someone an admin allowed to make surveys."""

    __tablename__ = "survey_maker"
    user_id: int = Field(foreign_key="account.id", primary_key=True)
    granted_by: int = Field(foreign_key="account.id")
    granted_at: datetime = Field(default_factory=utcnow)


# ---- API shapes: making a survey ---------------------------------------------------


class QuestionCreate(StrictModel):
    kind: QuestionKind
    text: str = PField(min_length=1, max_length=500)
    required: StrictBool = True
    options: list[StrictStr] = PField(default_factory=list, max_length=MAX_OPTIONS)

    @model_validator(mode="after")
    def _options_fit(self) -> QuestionCreate:
        labels = [o.strip() for o in self.options]
        if self.kind in (QuestionKind.single, QuestionKind.multiple):
            if len(labels) < 2:
                raise ValueError("a choice question needs 2 options or more")
            if any(not o or len(o) > 200 for o in labels):
                raise ValueError("options: 1 to 200 characters each")
            if len(set(labels)) != len(labels):
                raise ValueError("options: each one once")
        elif labels:
            raise ValueError(f"a {self.kind.value} question has no options")
        self.options = labels
        return self


class SurveyCreate(StrictModel):
    title: str = PField(min_length=1, max_length=200)
    description: str = PField(default="", max_length=2000)
    anonymous: StrictBool = False
    audience: Literal["company", "departments"] = "company"
    department_ids: list[DbId] = PField(default_factory=list, max_length=200)
    opens_at: AwareDatetime | None = None  # now when not given
    closes_at: AwareDatetime
    questions: list[QuestionCreate] = PField(min_length=1, max_length=MAX_QUESTIONS)
    # The author saw the word check's warning and sends it anyway (words/lists.py).
    acknowledge_warning: StrictBool = False

    def texts(self) -> list[tuple[str, str]]:
        """What the word check reads, as (field, text): the title, the
        description, each question's text and options."""
        found = [("title", self.title), ("description", self.description)]
        for i, q in enumerate(self.questions):
            found.append((f"questions[{i}].text", q.text))
            found += [(f"questions[{i}].options[{j}]", o) for j, o in enumerate(q.options)]
        return [(field, text) for field, text in found if text]

    @model_validator(mode="after")
    def _audience_fits(self) -> SurveyCreate:
        if self.audience == "departments" and not self.department_ids:
            raise ValueError("department_ids: choose at least one department")
        if self.audience == "company" and self.department_ids:
            raise ValueError("department_ids: only for the audience 'departments'")
        return self


class FromTemplate(StrictModel):
    """A ready-made survey sent in one click to the whole company."""

    template: Literal["network_usage"] = "network_usage"
    language: Literal["ja", "en", "both"] = "both"
    closes_in_days: int = PField(default=14, ge=1, le=90)
    anonymous: StrictBool = True


# ---- API shapes: answering ------------------------------------------------------------


class AnswerGiven(StrictModel):
    """One question's answer: ``option_ids`` (single: one; multiple: one or
    more), ``value`` (scale: 1 to 5) or ``text`` (free text)."""

    question_id: DbId
    option_ids: list[DbId] | None = PField(default=None, max_length=MAX_OPTIONS)
    value: StrictInt | None = None
    text: StrictStr | None = PField(default=None, max_length=MAX_TEXT_ANSWER)


class AnswersGiven(StrictModel):
    answers: list[AnswerGiven] = PField(max_length=MAX_QUESTIONS)


# ---- API shapes: what people see ----------------------------------------------------


class OptionPublic(BaseModel):
    id: int
    label: str


class QuestionPublic(BaseModel):
    id: int
    kind: QuestionKind
    text: str
    required: bool
    options: list[OptionPublic]


class DepartmentRef(BaseModel):
    id: int
    name: str


class SurveyPublic(BaseModel):
    """A survey as someone who may see it sees it. ``state``: ``scheduled``
    (not open yet: only its author and admins see it), ``open``, ``closed``.
    ``answered``: by the one asking. ``can_answer``: in the audience, open,
    not answered. ``can_manage``: its author or an admin (results, CSV,
    reminders). ``records``: what answering keeps, for the page to say."""

    id: int
    title: str
    description: str
    anonymous: bool
    audience: Literal["company", "departments"]
    departments: list[DepartmentRef]
    opens_at: str
    closes_at: str
    state: Literal["scheduled", "open", "closed"]
    template: str | None
    author: PersonRef
    created_at: str
    answered: bool
    can_answer: bool
    can_manage: bool
    questions: list[QuestionPublic]


class SurveyList(BaseModel):
    surveys: list[SurveyPublic]
    can_make: bool  # admins and the people they allowed


class OptionCount(BaseModel):
    id: int
    label: str
    count: int


class QuestionResult(BaseModel):
    id: int
    kind: QuestionKind
    text: str
    answered: int  # responses that answered it
    options: list[OptionCount]  # choices
    scale: list[int]  # scale: how many said 1, 2, 3, 4, 5
    average: float | None  # scale
    texts: list[str]  # free text, in the pool's (random) order


class DepartmentRate(BaseModel):
    """One department of the audience: how many people, how many answered.
    In an anonymous survey a department with fewer than ``MIN_CELL``
    respondents shows no count (``respondents`` null, ``hidden`` true)."""

    id: int | None  # None: people in no department
    name: str
    audience: int
    respondents: int | None
    hidden: bool


class SurveyResults(BaseModel):
    survey: SurveyPublic
    audience: int
    respondents: int  # people who answered
    responses: int  # responses in the pool (the same number)
    rate: float  # respondents / audience, 0 to 1
    departments: list[DepartmentRate]
    questions: list[QuestionResult]
    min_cell: int
    reminded_at: str | None


class Reminded(BaseModel):
    reminded: int  # people told
    reminded_at: str


class TemplatePublic(BaseModel):
    """A ready-made survey: ``key`` names it for good (``network_usage``), in
    links too (``#/surveys/template/network_usage``)."""

    key: str
    title: dict[str, str]  # by language: ja, en
    description: dict[str, str]
    questions: list[dict[str, Any]]  # kind, required, text {ja, en}, options {ja, en}
    sent: list[int]  # surveys made from it, newest first (what the caller may see)


class MakerPublic(BaseModel):
    person: PersonRef
    granted_at: str
