"""Questions over HTTP: marking a question's answer (channels/actions/
questions.py), open questions and the waiting count (questions/reads.py),
the company's settings for the waiting alerts and the figures (admins)."""

from __future__ import annotations

from channels.actions import questions as actions
from channels.models import ClientId, Receipt
from core.schema import DbId
from questions import figures, reads
from questions.settings import QuestionSettings, QuestionSettingsChange, do_update_settings, load
from server.api import Ctx, Param, api


class AnswerChoice(ClientId):
    answer_id: DbId  # a comment of the question


@api.route(
    "PUT",
    "/api/posts/{post_id:id}/answer",
    summary="Mark a comment as a question's answer (the asker, their mentors, moderators)",
    body=AnswerChoice,
    returns=Receipt,
)
async def mark_question_answer(ctx: Ctx) -> Receipt:
    body: AnswerChoice = ctx.body
    return await ctx.services.act(
        actions.do_mark_answer, ctx.user, ctx.path_int("post_id"), body.answer_id, body.cid
    )


@api.route(
    "DELETE",
    "/api/posts/{post_id:id}/answer",
    summary="Take back a question's answer: open again",
    returns=Receipt,
    query=[Param("cid", "client id making the unmark idempotent")],
)
async def unmark_question_answer(ctx: Ctx) -> Receipt:
    cid = ClientId(cid=ctx.request.query_params.get("cid")).cid
    return await ctx.services.act(actions.do_unmark_answer, ctx.user, ctx.path_int("post_id"), cid)


@api.route(
    "GET",
    "/api/questions",
    summary="Questions in the channels one may read, oldest first",
    returns=reads.QuestionsPage,
    query=[
        Param("channel", "only this channel's", "integer"),
        Param(
            "state",
            "open (unanswered or answered: the default), unanswered, answered or resolved",
            enum=("open", "unanswered", "answered", "resolved"),
        ),
        Param("after", "post id: the page's ``after``, for the next page", "integer"),
        Param("limit", f"questions a page, 1-{reads.MAX_PAGE} ({reads.PAGE})", "integer"),
    ],
)
async def open_questions(ctx: Ctx) -> reads.QuestionsPage:
    channel, state, after, limit = reads.ask(
        ctx.query_int("channel"),
        ctx.request.query_params.get("state") or None,
        ctx.query_int("after"),
        ctx.query_int("limit"),
    )
    async with ctx.services.db.connection() as conn:
        return await reads.open_questions(
            conn, ctx.user, channel=channel, state=state, after=after, limit=limit
        )


@api.route(
    "GET",
    "/api/questions/waiting",
    summary="How many unanswered questions one answers for (as a mentor or a moderator)",
    returns=reads.Waiting,
)
async def waiting_questions(ctx: Ctx) -> reads.Waiting:
    async with ctx.services.db.connection() as conn:
        return await reads.waiting(conn, ctx.user)


@api.route(
    "GET",
    "/api/questions/settings",
    summary="Delays before waiting questions are told, and working hours (admins)",
    returns=QuestionSettings,
    role="admin",
)
async def get_question_settings(ctx: Ctx) -> QuestionSettings:
    async with ctx.services.db.reader() as db:
        return await load(db)


@api.route(
    "PATCH",
    "/api/questions/settings",
    summary="Change the delays, time zone or working hours (admins)",
    body=QuestionSettingsChange,
    returns=QuestionSettings,
    role="admin",
)
async def update_question_settings(ctx: Ctx) -> QuestionSettings:
    return await ctx.services.act(do_update_settings, ctx.user, ctx.body)


@api.route(
    "GET",
    "/api/questions/figures",
    summary="Time to first answer and answered within a day, per department and week; "
    "newcomers quiet in their first two weeks (admins)",
    returns=figures.Figures,
    role="admin",
)
async def question_figures(ctx: Ctx) -> figures.Figures:
    async with ctx.services.db.reader() as db:
        s = await load(db)
        return await figures.figures(await db.connection(), s)
