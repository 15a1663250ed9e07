"""Every change surveys make, ``do_<verb>_<noun>``, each in one unit of work
(streams/unit.py): a survey made (by hand or from a template), an answer,
a reminder, its audience told when it opens, who may make surveys."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bus.base import Bus
from channels.actions.common import checked_writer, current_people
from core.clock import utcnow
from core.errors import ConflictError, ForbiddenError, InvalidError, NotFoundError
from core.tables import table_of
from notify.deliver import Note, deliver
from notify.models import ActorRef, NotificationKind
from org.models import Department, Role, User
from org.stream import PERSON
from streams.unit import Unit, run
from surveys import pool, reads, templates
from surveys.facts import SurveyAnswered, SurveyCreated, SurveyMakerGranted, SurveyMakerRevoked
from surveys.models import (
    REMIND_EVERY_MINUTES,
    AnswersGiven,
    FromTemplate,
    QuestionKind,
    Survey,
    SurveyCreate,
    SurveyDepartment,
    SurveyMaker,
    SurveyOption,
    SurveyQuestion,
    SurveyRespondent,
)
from words import lists

_SURVEY = table_of(Survey)


class SurveyClosedError(ConflictError):
    code = "survey_closed"


class SurveyNotOpenError(ConflictError):
    code = "survey_not_open"


class AlreadyAnsweredError(ConflictError):
    code = "already_answered"


class NotInAudienceError(ForbiddenError):
    """Someone who sees the survey (its author, an admin) but is not asked."""

    code = "not_in_audience"


class AnswerError(InvalidError):
    """An answer that does not fit its survey: ``details.question_id`` says
    which question, ``details.reason`` why: ``unknown_question`` (not this
    survey's), ``duplicate`` (answered twice), ``required`` (left out),
    ``option_unknown`` (not this question's option), ``one_option`` (a
    single choice with several), ``wrong_kind`` (a value where options are
    asked, and so on), ``out_of_range`` (a scale outside 1 to 5), ``empty``."""

    code = "answer_invalid"

    def __init__(self, question_id: int, reason: str, message: str) -> None:
        super().__init__(message, {"question_id": question_id, "reason": reason})


class RemindedRecentlyError(ConflictError):
    code = "reminded_recently"


def _utc(at: datetime) -> datetime:
    return at.astimezone(UTC)


async def _fresh(db: AsyncSession, actor: User) -> User:
    me = await db.get(User, actor.id)
    if me is None or not me.is_active:
        raise ForbiddenError("this account is deactivated")
    return me


async def do_create_survey(
    db: AsyncSession, bus: Bus, actor: User, data: SurveyCreate, *, template: str | None = None
) -> int:
    """An admin, or someone an admin allowed, makes a survey. When it opens
    now, its audience is told at once (a ``survey`` notification); later, the
    opening job tells them (surveys/opening.py). Answers its id.

    Its maker writes as one posts (channels/actions/posts.py): the terms of
    use in force accepted, not muted, and the title, description, questions
    and options through the word check (a warning sent anyway is recorded as
    ``wordcheck.overridden``, ``what`` ``survey``). A template's text is the
    product's own, not its sender's: it is not checked.

    Raises:
        ForbiddenError: the actor may not make surveys.
        TermsNotAcceptedError, MutedError: the actor may not write now.
        WordBlockedError, WordWarningError: the word check refused a text.
        NotFoundError: a department that does not exist.
        InvalidError: dates that do not fit (closing before opening, or past).
    """
    now = utcnow()
    opens = _utc(data.opens_at) if data.opens_at is not None else now
    closes = _utc(data.closes_at)
    if closes <= opens:
        raise InvalidError("closes_at: the survey must close after it opens")
    if closes <= now:
        raise InvalidError("closes_at: already past")
    if opens > now + timedelta(days=366):
        raise InvalidError("opens_at: a survey opens within a year")

    async def apply(unit: Unit) -> int:
        me = await _fresh(unit.db, actor)
        assert me.id is not None
        if not await reads.may_make(unit.db, me):
            raise ForbiddenError("only admins and the people they allow make surveys")
        # The template's texts are the product's, not the maker's: not checked.
        texts = data.texts() if template is None else []
        me, warned = await checked_writer(unit.db, me, texts, data.acknowledge_warning)
        assert me.id is not None
        wanted = list(dict.fromkeys(data.department_ids))
        if wanted:
            found = (
                await unit.db.exec(select(Department.id).where(col(Department.id).in_(wanted)))
            ).all()
            if len(set(found)) != len(wanted):
                raise NotFoundError("no such department")
        survey = Survey(
            title=data.title,
            description=data.description,
            anonymous=data.anonymous,
            company=data.audience == "company",
            opens_at=opens,
            closes_at=closes,
            template=template,
            created_by=me.id,
            created_at=now,
        )
        unit.db.add(survey)
        await unit.db.flush()
        assert survey.id is not None
        for department_id in wanted:
            unit.db.add(SurveyDepartment(survey_id=survey.id, department_id=department_id))
        for position, q in enumerate(data.questions):
            question = SurveyQuestion(
                survey_id=survey.id,
                position=position,
                kind=q.kind.value,
                text=q.text,
                required=q.required,
            )
            unit.db.add(question)
            await unit.db.flush()
            assert question.id is not None
            for i, label in enumerate(q.options):
                unit.db.add(SurveyOption(question_id=question.id, position=i, label=label))
        await unit.db.flush()
        await lists.record_override(unit, me.id, "survey", warned)
        await pool.create(unit.db, survey.id)
        unit.note(
            SurveyCreated(
                survey_id=survey.id,
                title=survey.title,
                anonymous=survey.anonymous,
                audience=data.audience,
                template=template,
            )
        )
        if opens <= now:
            await announce(unit, survey.id, now)
        return survey.id

    return await run(db, bus, apply, actor_id=actor.id)


async def do_create_from_template(
    db: AsyncSession, bus: Bus, actor: User, data: FromTemplate
) -> int:
    """The ready-made usage survey, to the whole company, open now for
    ``closes_in_days`` days: one click."""
    title, description, questions = templates.network_usage(data.language)
    made = SurveyCreate(
        title=title,
        description=description,
        anonymous=data.anonymous,
        audience="company",
        closes_at=utcnow() + timedelta(days=data.closes_in_days),
        questions=questions,
    )
    return await do_create_survey(db, bus, actor, made, template=data.template)


async def announce(unit: Unit, survey_id: int, now: datetime) -> int:
    """Tell the survey's audience it is open (a ``survey`` notification), once:
    whoever claims ``announced_at`` first tells, any other finds it taken.
    Answers how many were told."""
    claimed = await (await unit.db.connection()).execute(
        update(_SURVEY)
        .where(_SURVEY.c.id == survey_id, _SURVEY.c.announced_at.is_(None))
        .values(announced_at=now)
    )
    if claimed.rowcount != 1:
        return 0
    survey = await unit.db.get(Survey, survey_id)
    assert survey is not None
    people = [p for p, _ in await reads.audience_people(unit.db, survey) if p != survey.created_by]
    await _notify(unit, survey, people, NotificationKind.survey)
    return len(people)


async def _notify(unit: Unit, survey: Survey, people: list[int], kind: NotificationKind) -> None:
    author = await current_people(unit.db, [survey.created_by], active_only=False)
    name = author[survey.created_by][1].display_name if survey.created_by in author else ""
    await deliver(
        unit,
        [
            Note(
                user_id=p,
                kind=kind,
                actor=ActorRef(id=survey.created_by, display_name=name),
                channel_id=None,
                channel_name="",
                excerpt=survey.title,
                subject_id=survey.id,
            )
            for p in people
        ],
    )


async def do_announce_opened(db: AsyncSession, bus: Bus, now: datetime | None = None) -> int:
    """Tell the audience of every survey that has opened since and was not
    told yet (the opening job's round: exactly once across nodes)."""
    now = now or utcnow()
    due = (
        await db.exec(
            select(Survey.id)
            .where(
                col(Survey.announced_at).is_(None),
                col(Survey.opens_at) <= now,
                col(Survey.closes_at) > now,
            )
            .order_by(col(Survey.opens_at))
            .limit(20)
        )
    ).all()
    await db.rollback()
    told = 0
    for survey_id in due:
        assert survey_id is not None
        sid: int = survey_id

        async def apply(unit: Unit, sid: int = sid) -> int:
            return await announce(unit, sid, now)

        told += await run(db, bus, apply)
    return told


def _check_answers(survey: Survey, shown: Any, given: AnswersGiven) -> dict[str, Any]:
    """The answers as the pool keeps them, or ``AnswerError``."""
    questions = {q.id: q for q in shown.questions}
    seen: dict[str, Any] = {}
    for a in given.answers:
        q = questions.get(a.question_id)
        if q is None:
            raise AnswerError(a.question_id, "unknown_question", "no such question in this survey")
        key = str(q.id)
        if key in seen:
            raise AnswerError(q.id, "duplicate", "one answer per question")
        options = {o.id for o in q.options}
        if q.kind in (QuestionKind.single, QuestionKind.multiple):
            if a.option_ids is None or a.value is not None or a.text is not None:
                raise AnswerError(q.id, "wrong_kind", "a choice question takes option_ids")
            chosen = list(dict.fromkeys(a.option_ids))
            if any(o not in options for o in chosen):
                raise AnswerError(q.id, "option_unknown", "an option of another question")
            if q.kind is QuestionKind.single and len(chosen) > 1:
                raise AnswerError(q.id, "one_option", "a single choice takes one option")
            if not chosen:
                if q.required:
                    raise AnswerError(q.id, "required", "this question needs an answer")
                continue
            seen[key] = sorted(chosen)
        elif q.kind is QuestionKind.scale:
            if a.value is None or a.option_ids is not None or a.text is not None:
                raise AnswerError(q.id, "wrong_kind", "a scale question takes a value")
            if not 1 <= a.value <= 5:
                raise AnswerError(q.id, "out_of_range", "a scale runs from 1 to 5")
            seen[key] = a.value
        else:
            if a.text is None or a.option_ids is not None or a.value is not None:
                raise AnswerError(q.id, "wrong_kind", "a free-text question takes text")
            if "\x00" in a.text:
                raise AnswerError(q.id, "wrong_kind", "NUL characters are not allowed")
            text = a.text.strip()
            if not text:
                if q.required:
                    raise AnswerError(q.id, "required", "this question needs an answer")
                continue
            seen[key] = text
    for q in shown.questions:
        if q.required and str(q.id) not in seen:
            raise AnswerError(q.id, "required", "this question needs an answer")
    return seen


async def do_answer(
    db: AsyncSession, bus: Bus, actor: User, survey_id: int, given: AnswersGiven
) -> int | None:
    """Someone of the audience answers, once. ``survey_respondent`` keeps
    that they did and when; the pool keeps what, at a random place and, in an
    anonymous survey, without them (surveys/pool.py). The one who answered
    and the survey's author and admins hear ``survey.answered``. Answers the
    number of respondents, for those who may know it (else None).

    Raises:
        NotFoundError: no such survey, or not one the person may see.
        SurveyNotOpenError / SurveyClosedError: outside its dates.
        NotInAudienceError: its author or an admin, not asked.
        AlreadyAnsweredError: a second answer.
        AnswerError: answers that do not fit (see its reasons).
    """

    async def apply(unit: Unit) -> int | None:
        me = await _fresh(unit.db, actor)
        assert me.id is not None
        survey = await reads.access(unit.db, me, survey_id)
        assert survey.id is not None
        state = reads.state_of(survey)
        if state == "scheduled":
            raise SurveyNotOpenError("this survey is not open yet")
        if state == "closed":
            raise SurveyClosedError("this survey is closed")
        if not await reads.is_in_audience(unit.db, me, survey):
            raise NotInAudienceError("this survey is not for you")
        if await reads.has_answered(unit.db, me.id, survey.id):
            raise AlreadyAnsweredError("you have answered this survey already")
        (shown,) = await reads.public_many(unit.db, me, [survey])
        answers = _check_answers(survey, shown, given)
        unit.db.add(SurveyRespondent(survey_id=survey.id, user_id=me.id, answered_at=utcnow()))
        await unit.db.flush()
        response: dict[str, Any] = {"answers": answers}
        if not survey.anonymous:
            response["person"] = me.id
        count = await pool.add(unit.db, survey.id, response)
        await unit.append(PERSON, me.id, SurveyAnswered(survey_id=survey.id, respondents=None))
        managers = set(
            (
                await unit.db.exec(
                    select(User.id).where(col(User.is_active), col(User.role) == Role.admin.value)
                )
            ).all()
        )
        managers.add(survey.created_by)
        managers.discard(me.id)
        for person in sorted(p for p in managers if p is not None):
            await unit.append(
                PERSON, person, SurveyAnswered(survey_id=survey.id, respondents=count)
            )
        return count if reads.may_manage(me, survey) else None

    return await run(db, bus, apply, actor_id=actor.id)


async def do_remind(
    db: AsyncSession, bus: Bus, actor: User, survey_id: int
) -> tuple[int, datetime]:
    """Its author or an admin reminds everyone of the audience who has not
    answered (a ``survey_reminder`` notification); once an hour at most.
    Answers how many were told, and when."""

    async def apply(unit: Unit) -> tuple[int, datetime]:
        me = await _fresh(unit.db, actor)
        survey = await reads.manage(unit.db, me, survey_id)
        assert survey.id is not None
        if reads.state_of(survey) != "open":
            raise ConflictError("only an open survey can be reminded of")
        now = utcnow()
        if survey.reminded_at is not None and reads.aware(survey.reminded_at) > now - timedelta(
            minutes=REMIND_EVERY_MINUTES
        ):
            raise RemindedRecentlyError(
                f"a reminder went out less than {REMIND_EVERY_MINUTES} minutes ago"
            )
        answered = set(
            (
                await unit.db.exec(
                    select(SurveyRespondent.user_id).where(
                        col(SurveyRespondent.survey_id) == survey.id
                    )
                )
            ).all()
        )
        people = [
            p
            for p, _ in await reads.audience_people(unit.db, survey)
            if p not in answered and p != me.id
        ]
        survey.reminded_at, survey.reminded_by = now, me.id
        unit.db.add(survey)
        await unit.db.flush()
        await _notify(unit, survey, people, NotificationKind.survey_reminder)
        return len(people), now

    return await run(db, bus, apply, actor_id=actor.id)


async def _maker_target(db: AsyncSession, actor: User, user_id: int) -> User:
    me = await _fresh(db, actor)
    if not me.is_admin:
        raise ForbiddenError("admins only")
    person = await db.get(User, user_id)
    if person is None:
        raise NotFoundError("no such person")
    return person


async def do_grant_maker(db: AsyncSession, bus: Bus, actor: User, user_id: int) -> None:
    """An admin allows someone to make surveys (again: nothing changes)."""

    async def apply(unit: Unit) -> None:
        person = await _maker_target(unit.db, actor, user_id)
        if not person.is_active:
            raise InvalidError("this person's account is deactivated")
        if await unit.db.get(SurveyMaker, user_id) is not None:
            return
        assert actor.id is not None
        unit.db.add(SurveyMaker(user_id=user_id, granted_by=actor.id, granted_at=utcnow()))
        await unit.db.flush()
        unit.note(SurveyMakerGranted(user_id=user_id, display_name=person.display_name))

    await run(db, bus, apply, actor_id=actor.id)


async def do_revoke_maker(db: AsyncSession, bus: Bus, actor: User, user_id: int) -> None:
    """An admin takes it back (the surveys they made stay theirs)."""

    async def apply(unit: Unit) -> None:
        person = await _maker_target(unit.db, actor, user_id)
        found = await unit.db.get(SurveyMaker, user_id)
        if found is None:
            return
        await unit.db.delete(found)
        await unit.db.flush()
        unit.note(SurveyMakerRevoked(user_id=user_id, display_name=person.display_name))

    await run(db, bus, apply, actor_id=actor.id)
