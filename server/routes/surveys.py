"""Surveys over HTTP: the list and one survey (what one may see), making one
(by hand or from the ready-made template), answering, results, CSV,
reminders, and who besides admins may make surveys. The rules are
surveys/'s."""

from __future__ import annotations

from pydantic import BaseModel
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.responses import Response

from channels.actions.common import current_people
from core.clock import iso, utcnow
from org.models import User
from server.api import Ctx, HttpError, Param, api
from surveys import actions, reads, templates
from surveys.models import (
    AnswersGiven,
    FromTemplate,
    MakerPublic,
    Reminded,
    Survey,
    SurveyCreate,
    SurveyList,
    SurveyMaker,
    SurveyPublic,
    SurveyResults,
    TemplatePublic,
)

CSV_TYPE = "text/csv"


class Answered(BaseModel):
    survey_id: int
    respondents: int | None  # the author and admins only


async def _me(ctx: Ctx, db: AsyncSession) -> User:
    """The asker as the database has them now (a department or role changed
    a moment ago counts)."""
    me = await db.get(User, ctx.user.id)
    if me is None:
        raise HttpError(401, "unauthorized", "sign in first")
    return me


@api.route(
    "GET",
    "/api/surveys",
    summary="The surveys one may see: open ones first (``answered``, ``can_answer``),"
    " then the rest; and whether one may make surveys",
    returns=SurveyList,
    query=[Param("template", "only those made from this template", enum=("network_usage",))],
)
async def list_surveys(ctx: Ctx) -> SurveyList:
    template = ctx.request.query_params.get("template") or None
    if template not in (None, templates.NETWORK_USAGE):
        raise HttpError(400, "invalid", "template: unknown")
    async with ctx.services.db.reader() as db:
        return await reads.list_surveys(db, await _me(ctx, db), template=template)


@api.route(
    "POST",
    "/api/surveys",
    summary="Make a survey (admins and the people they allow): questions, audience,"
    " dates, named or anonymous",
    body=SurveyCreate,
    returns=SurveyPublic,
    status=201,
)
async def create_survey(ctx: Ctx) -> SurveyPublic:
    survey_id = await ctx.services.act(actions.do_create_survey, ctx.user, ctx.body)
    async with ctx.services.db.reader() as db:
        return await reads.survey_public(db, await _me(ctx, db), survey_id)


@api.route(
    "GET",
    "/api/surveys/templates",
    summary="The ready-made surveys (``network_usage``: how the network works for"
    " people), in Japanese and English, with the surveys made from each",
    returns=list[TemplatePublic],
)
async def list_templates(ctx: Ctx) -> list[TemplatePublic]:
    async with ctx.services.db.reader() as db:
        me = await _me(ctx, db)
        sent = (
            await db.exec(
                select(Survey.id)
                .where(col(Survey.template) == templates.NETWORK_USAGE, reads.visible(me))
                .order_by(col(Survey.created_at).desc())
            )
        ).all()
    return [templates.network_usage_public([i for i in sent if i is not None])]


@api.route(
    "POST",
    "/api/surveys/from-template",
    summary="Send a ready-made survey to the whole company in one click (admins and"
    " the people they allow)",
    body=FromTemplate,
    returns=SurveyPublic,
    status=201,
)
async def create_from_template(ctx: Ctx) -> SurveyPublic:
    survey_id = await ctx.services.act(actions.do_create_from_template, ctx.user, ctx.body)
    async with ctx.services.db.reader() as db:
        return await reads.survey_public(db, await _me(ctx, db), survey_id)


@api.route(
    "GET",
    "/api/surveys/makers",
    summary="The people allowed to make surveys besides admins (admins)",
    returns=list[MakerPublic],
    role="admin",
)
async def list_makers(ctx: Ctx) -> list[MakerPublic]:
    async with ctx.services.db.reader() as db:
        me = await _me(ctx, db)
        if not me.is_admin:
            raise HttpError(403, "forbidden", "admins only")
        rows = (await db.exec(select(SurveyMaker).order_by(col(SurveyMaker.granted_at)))).all()
        people = await current_people(db, [r.user_id for r in rows], active_only=False)
    return [
        MakerPublic(person=people[r.user_id][1], granted_at=iso(reads.aware(r.granted_at)) or "")
        for r in rows
        if r.user_id in people
    ]


@api.route(
    "PUT",
    "/api/surveys/makers/{user_id:id}",
    summary="Allow someone to make surveys (admins)",
    role="admin",
)
async def grant_maker(ctx: Ctx) -> None:
    await ctx.services.act(actions.do_grant_maker, ctx.user, ctx.path_int("user_id"))


@api.route(
    "DELETE",
    "/api/surveys/makers/{user_id:id}",
    summary="Take back someone's leave to make surveys (admins)",
    role="admin",
)
async def revoke_maker(ctx: Ctx) -> None:
    await ctx.services.act(actions.do_revoke_maker, ctx.user, ctx.path_int("user_id"))


@api.route(
    "GET",
    "/api/surveys/{survey_id:id}",
    summary="One survey, its questions, and whether one may answer it",
    returns=SurveyPublic,
)
async def get_survey(ctx: Ctx) -> SurveyPublic:
    async with ctx.services.db.reader() as db:
        return await reads.survey_public(db, await _me(ctx, db), ctx.path_int("survey_id"))


@api.route(
    "POST",
    "/api/surveys/{survey_id:id}/answers",
    summary="Answer a survey, once (its audience, while it is open)",
    body=AnswersGiven,
    returns=Answered,
    status=201,
)
async def answer_survey(ctx: Ctx) -> Answered:
    survey_id = ctx.path_int("survey_id")
    count = await ctx.services.act(actions.do_answer, ctx.user, survey_id, ctx.body)
    return Answered(survey_id=survey_id, respondents=count)


@api.route(
    "GET",
    "/api/surveys/{survey_id:id}/results",
    summary="Response rate (overall and per department) and results (its author and admins)",
    returns=SurveyResults,
)
async def survey_results(ctx: Ctx) -> SurveyResults:
    async with ctx.services.db.reader() as db:
        return await reads.results(db, await _me(ctx, db), ctx.path_int("survey_id"))


@api.route(
    "GET",
    "/api/surveys/{survey_id:id}/export",
    summary="The responses as a CSV file (UTF-8 with BOM; its author and admins)",
    produces=CSV_TYPE,
)
async def export_survey(ctx: Ctx) -> Response:
    async with ctx.services.db.reader() as db:
        survey, body = await reads.export_csv(db, await _me(ctx, db), ctx.path_int("survey_id"))
    stamp = utcnow().strftime("%Y%m%d")
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={
            "content-disposition": f'attachment; filename="kaisha-survey-{survey.id}-{stamp}.csv"'
        },
    )


@api.route(
    "POST",
    "/api/surveys/{survey_id:id}/remind",
    summary="Remind everyone of the audience who has not answered (its author and admins;"
    " once an hour)",
    returns=Reminded,
)
async def remind_survey(ctx: Ctx) -> Reminded:
    told, at = await ctx.services.act(actions.do_remind, ctx.user, ctx.path_int("survey_id"))
    return Reminded(reminded=told, reminded_at=iso(at) or "")
