"""Who sees which survey, and what they see: the list, one survey, its
results, its CSV.

The rule, in SQL where lists are read (``visible``): a survey is seen by
admins, by its author, and, once it has opened, by its audience (everyone,
or the people now in one of its departments). To anyone else it does not
exist: "not found" alike for what is not there and what is not theirs
(``access``). Results, the CSV and reminders are its author's and admins'
only (``manage``); someone of the audience asking gets 403.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import ColumnElement, Select, and_, exists, false, func, or_, true, union
from sqlalchemy import select as sa_select
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from channels.actions.common import current_people
from channels.models import PersonRef
from core.clock import iso, utcnow
from core.errors import ForbiddenError, NotFoundError
from org.models import Department, User
from org.roster import neutralise
from surveys import pool
from surveys.models import (
    MIN_CELL,
    DepartmentRate,
    DepartmentRef,
    OptionCount,
    OptionPublic,
    QuestionKind,
    QuestionPublic,
    QuestionResult,
    Survey,
    SurveyDepartment,
    SurveyList,
    SurveyMaker,
    SurveyOption,
    SurveyPublic,
    SurveyQuestion,
    SurveyRespondent,
    SurveyResults,
)


def aware(at: datetime) -> datetime:
    """SQLite gives times back without their zone: they are UTC."""
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def state_of(survey: Survey, now: datetime | None = None) -> Literal["scheduled", "open", "closed"]:
    now = now or utcnow()
    if aware(survey.opens_at) > now:
        return "scheduled"
    if aware(survey.closes_at) <= now:
        return "closed"
    return "open"


def in_audience(user: User) -> ColumnElement[bool]:
    """The surveys whose audience ``user`` is in now (whatever their dates)."""
    return or_(
        col(Survey.company),
        exists().where(
            col(SurveyDepartment.survey_id) == col(Survey.id),
            col(SurveyDepartment.department_id) == user.department_id,
        )
        if user.department_id is not None
        else false(),
    )


def visible(user: User) -> ColumnElement[bool]:
    """The surveys ``user`` may see (the rule above)."""
    if user.is_admin:
        return true()
    return or_(
        col(Survey.created_by) == user.id,
        and_(col(Survey.opens_at) <= utcnow(), in_audience(user)),
    )


async def access(db: AsyncSession, user: User, survey_id: int) -> Survey:
    """The survey, if ``user`` may see it; else "not found", as for none."""
    found = (
        await db.exec(select(Survey).where(col(Survey.id) == survey_id, visible(user)))
    ).first()
    if found is None:
        raise NotFoundError("no such survey")
    return found


def may_manage(user: User, survey: Survey) -> bool:
    return user.is_admin or survey.created_by == user.id


async def manage(db: AsyncSession, user: User, survey_id: int) -> Survey:
    """The survey, for its author or an admin (results, CSV, reminders)."""
    survey = await access(db, user, survey_id)
    if not may_manage(user, survey):
        raise ForbiddenError("only the survey's author and admins see its results")
    return survey


async def may_make(db: AsyncSession, user: User) -> bool:
    if user.is_admin:
        return True
    return await db.get(SurveyMaker, user.id) is not None


async def is_in_audience(db: AsyncSession, user: User, survey: Survey) -> bool:
    """In the audience now (this transaction's view of the person)."""
    me = await db.get(User, user.id)
    if me is None or not me.is_active:
        return False
    if survey.company:
        return True
    if me.department_id is None:
        return False
    return await db.get(SurveyDepartment, (survey.id, me.department_id)) is not None


async def has_answered(db: AsyncSession, user_id: int, survey_id: int) -> bool:
    return await db.get(SurveyRespondent, (survey_id, user_id)) is not None


# ---- shapes -------------------------------------------------------------------------


async def _questions(
    db: AsyncSession, survey_ids: Sequence[int]
) -> dict[int, list[tuple[SurveyQuestion, list[SurveyOption]]]]:
    if not survey_ids:
        return {}
    qs = (
        await db.exec(
            select(SurveyQuestion)
            .where(col(SurveyQuestion.survey_id).in_(list(survey_ids)))
            .order_by(col(SurveyQuestion.survey_id), col(SurveyQuestion.position))
        )
    ).all()
    options: dict[int, list[SurveyOption]] = {}
    if qs:
        rows = (
            await db.exec(
                select(SurveyOption)
                .where(col(SurveyOption.question_id).in_([q.id for q in qs]))
                .order_by(col(SurveyOption.question_id), col(SurveyOption.position))
            )
        ).all()
        for o in rows:
            options.setdefault(o.question_id, []).append(o)
    found: dict[int, list[tuple[SurveyQuestion, list[SurveyOption]]]] = {}
    for q in qs:
        assert q.id is not None
        found.setdefault(q.survey_id, []).append((q, options.get(q.id, [])))
    return found


async def public_many(
    db: AsyncSession, user: User, surveys: Sequence[Survey]
) -> list[SurveyPublic]:
    ids = [s.id for s in surveys if s.id is not None]
    if not ids:
        return []
    questions = await _questions(db, ids)
    departments: dict[int, list[DepartmentRef]] = {}
    rows = await db.exec(
        select(SurveyDepartment.survey_id, Department.id, Department.name)
        .join(Department, col(Department.id) == col(SurveyDepartment.department_id))
        .where(col(SurveyDepartment.survey_id).in_(ids))
        .order_by(col(Department.name))
    )
    for survey_id, department_id, name in rows.all():
        departments.setdefault(survey_id, []).append(DepartmentRef(id=department_id, name=name))
    answered = set(
        (
            await db.exec(
                select(SurveyRespondent.survey_id).where(
                    col(SurveyRespondent.user_id) == user.id,
                    col(SurveyRespondent.survey_id).in_(ids),
                )
            )
        ).all()
    )
    authors = await current_people(db, {s.created_by for s in surveys}, active_only=False)
    me = await db.get(User, user.id)
    my_department = me.department_id if me is not None else None
    now = utcnow()
    out = []
    for s in surveys:
        assert s.id is not None
        state = state_of(s, now)
        depts = departments.get(s.id, [])
        audience = s.company or any(d.id == my_department for d in depts)
        author = authors.get(s.created_by)
        out.append(
            SurveyPublic(
                id=s.id,
                title=s.title,
                description=s.description,
                anonymous=s.anonymous,
                audience="company" if s.company else "departments",
                departments=depts,
                opens_at=iso(aware(s.opens_at)) or "",
                closes_at=iso(aware(s.closes_at)) or "",
                state=state,
                template=s.template,
                author=author[1]
                if author
                else PersonRef(id=s.created_by, display_name="", department=None),
                created_at=iso(aware(s.created_at)) or "",
                answered=s.id in answered,
                can_answer=audience and state == "open" and s.id not in answered,
                can_manage=may_manage(user, s),
                questions=[
                    QuestionPublic(
                        id=q.id or 0,
                        kind=QuestionKind(q.kind),
                        text=q.text,
                        required=q.required,
                        options=[OptionPublic(id=o.id or 0, label=o.label) for o in opts],
                    )
                    for q, opts in questions.get(s.id, [])
                ],
            )
        )
    return out


async def survey_public(db: AsyncSession, user: User, survey_id: int) -> SurveyPublic:
    survey = await access(db, user, survey_id)
    (found,) = await public_many(db, user, [survey])
    return found


async def list_surveys(
    db: AsyncSession, user: User, *, template: str | None = None, limit: int = 100
) -> SurveyList:
    """What ``user`` may see, open ones first (closing soonest first), then the
    rest newest first."""
    stmt = select(Survey).where(visible(user))
    if template is not None:
        stmt = stmt.where(col(Survey.template) == template)
    surveys = list((await db.exec(stmt.order_by(col(Survey.created_at).desc()).limit(limit))).all())
    now = utcnow()
    surveys.sort(key=lambda s: (state_of(s, now) != "open", aware(s.closes_at).timestamp()))
    return SurveyList(
        surveys=await public_many(db, user, surveys), can_make=await may_make(db, user)
    )


# ---- results --------------------------------------------------------------------------


async def audience_people(db: AsyncSession, survey: Survey) -> list[tuple[int, int | None]]:
    """(person id, department id) of everyone in the audience now (active)."""
    stmt = select(User.id, User.department_id).where(col(User.is_active))
    if not survey.company:
        stmt = stmt.where(
            col(User.department_id).in_(
                select(SurveyDepartment.department_id).where(
                    col(SurveyDepartment.survey_id) == survey.id
                )
            )
        )
    return [(i, d) for i, d in (await db.exec(stmt)).all() if i is not None]


async def results(db: AsyncSession, user: User, survey_id: int) -> SurveyResults:
    survey = await manage(db, user, survey_id)
    assert survey.id is not None
    (shown,) = await public_many(db, user, [survey])
    people = await audience_people(db, survey)
    respondents = set(
        (
            await db.exec(
                select(SurveyRespondent.user_id).where(col(SurveyRespondent.survey_id) == survey.id)
            )
        ).all()
    )
    names = {d.id: d.name for d in (await db.exec(select(Department))).all() if d.id is not None}
    by_department: dict[int | None, list[int]] = {}
    for person, department in people:
        by_department.setdefault(department, []).append(person)
    departments = []
    for department, members in sorted(
        by_department.items(), key=lambda kv: (kv[0] is None, names.get(kv[0] or 0, ""))
    ):
        answered = sum(1 for m in members if m in respondents)
        hidden = survey.anonymous and answered < MIN_CELL
        departments.append(
            DepartmentRate(
                id=department,
                name=names.get(department, "") if department is not None else "",
                audience=len(members),
                respondents=None if hidden else answered,
                hidden=hidden,
            )
        )
    responses = await pool.responses_of(db, survey.id)
    questions = [_tally(q, responses) for q in shown.questions]
    in_audience = sum(1 for p, _ in people if p in respondents)
    return SurveyResults(
        survey=shown,
        audience=len(people),
        respondents=len(respondents),
        responses=len(responses),
        rate=round(in_audience / len(people), 4) if people else 0.0,
        departments=departments,
        questions=questions,
        min_cell=MIN_CELL,
        reminded_at=iso(aware(survey.reminded_at)) if survey.reminded_at else None,
    )


def _tally(question: QuestionPublic, responses: list[dict[str, Any]]) -> QuestionResult:
    key = str(question.id)
    given = [r["answers"][key] for r in responses if key in r.get("answers", {})]
    counts: Counter[int] = Counter()
    scale = [0, 0, 0, 0, 0]
    texts: list[str] = []
    if question.kind in (QuestionKind.single, QuestionKind.multiple):
        for value in given:
            counts.update(value)
    elif question.kind is QuestionKind.scale:
        for value in given:
            scale[value - 1] += 1
    else:
        texts = [v for v in given if v]
    total = sum(scale)
    return QuestionResult(
        id=question.id,
        kind=question.kind,
        text=question.text,
        answered=len(given),
        options=[OptionCount(id=o.id, label=o.label, count=counts[o.id]) for o in question.options],
        scale=scale if question.kind is QuestionKind.scale else [],
        average=round(sum((i + 1) * n for i, n in enumerate(scale)) / total, 2)
        if question.kind is QuestionKind.scale and total
        else None,
        texts=texts,
    )


async def export_csv(db: AsyncSession, user: User, survey_id: int) -> tuple[Survey, bytes]:
    """One row per response: UTF-8 with a BOM, CRLF, cells that a spreadsheet
    would run as a formula neutralised (as the people export: org/roster.py).
    A named survey's rows start with the person and their department; an
    anonymous one's with a number only (the pool's random order)."""
    survey = await manage(db, user, survey_id)
    assert survey.id is not None
    (shown,) = await public_many(db, user, [survey])
    responses = await pool.responses_of(db, survey.id)
    labels = {o.id: o.label for q in shown.questions for o in q.options}
    people: dict[int, tuple[User, PersonRef]] = {}
    if not survey.anonymous:
        people = await current_people(
            db, {r["person"] for r in responses if "person" in r}, active_only=False
        )
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    head = ["#"] if survey.anonymous else ["#", "name", "department"]
    writer.writerow([neutralise(c) for c in head + [q.text for q in shown.questions]])
    for n, response in enumerate(responses, 1):
        row = [str(n)]
        if not survey.anonymous:
            ref = people.get(response.get("person", 0))
            row += [ref[1].display_name, ref[1].department or ""] if ref else ["", ""]
        answers = response.get("answers", {})
        for q in shown.questions:
            value = answers.get(str(q.id))
            if value is None:
                row.append("")
            elif q.kind in (QuestionKind.single, QuestionKind.multiple):
                row.append("; ".join(labels.get(i, "") for i in value))
            else:
                row.append(str(value))
        writer.writerow([neutralise(c) for c in row])
    return survey, "\ufeff".encode() + out.getvalue().encode("utf-8")


async def used_surveys_since(db: AsyncSession, since: datetime) -> int:
    """People who made or answered a survey since ``since`` (usage figures:
    ``survey.created_by``/``created_at`` and ``survey_respondent.user_id``/
    ``answered_at``)."""
    made: Select[tuple[int]] = sa_select(col(Survey.created_by).label("who")).where(
        col(Survey.created_at) >= since
    )
    answered: Select[tuple[int]] = sa_select(col(SurveyRespondent.user_id).label("who")).where(
        col(SurveyRespondent.answered_at) >= since
    )
    both = union(made, answered).subquery()
    conn = await db.connection()
    return int((await conn.execute(sa_select(func.count()).select_from(both))).scalar_one())
