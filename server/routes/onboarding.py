"""Newcomers and mentors: one's welcome page and checklist, a mentor's
newcomers, choosing mentors (with suggestions), the checklists admins prepare
and the newcomer settings. The rules are onboarding/'s and org/newcomers.py's."""

from __future__ import annotations

from sqlmodel import col, select

from channels.models import PersonRef
from core.errors import ForbiddenError, NotFoundError
from onboarding import actions
from onboarding.checklist import checklist_of
from onboarding.models import (
    Checklist,
    ChecklistItem,
    ChecklistItemCreate,
    ChecklistItemPublic,
    ChecklistKind,
    MentorsSet,
    MentorSuggestion,
    NewcomerPublic,
    OnboardingSettings,
    OnboardingSettingsUpdate,
    TickSet,
    WelcomePublic,
)
from onboarding.reads import mentors_for, my_newcomers, welcome_page
from onboarding.suggestions import suggest_mentors
from org.models import User
from org.newcomers import DEFAULT_TEMPLATE, NewcomerSettings, load_settings
from server.api import Ctx, Param, api


def _require_admin(user: User) -> None:
    if not user.is_admin:
        raise ForbiddenError("admins only")


def _item_public(item: ChecklistItem) -> ChecklistItemPublic:
    return ChecklistItemPublic(
        id=item.id or 0,
        department_id=item.department_id,
        kind=ChecklistKind(item.kind),
        title=item.title,
        count=item.count,
    )


def _settings_public(found: NewcomerSettings) -> OnboardingSettings:
    return OnboardingSettings(
        newcomer_days=found.newcomer_days,
        welcome_template=found.welcome_template,
        default_template=DEFAULT_TEMPLATE,
    )


@api.route(
    "GET",
    "/api/me/welcome",
    summary="One's welcome page: newcomer or not, mentors, department, checklist",
    returns=WelcomePublic,
)
async def get_welcome(ctx: Ctx) -> WelcomePublic:
    async with ctx.services.db.reader() as db:
        return await welcome_page(db, ctx.user)


@api.route(
    "PUT",
    "/api/me/checklist/{item_id:id}",
    summary="Tick or untick an item of one's checklist that one ticks oneself (`manual`)",
    body=TickSet,
    returns=Checklist,
)
async def set_tick(ctx: Ctx) -> Checklist:
    await ctx.services.act(actions.do_set_tick, ctx.user, ctx.path_int("item_id"), ctx.body.done)
    async with ctx.services.db.reader() as db:
        me = await db.get(User, ctx.user.id)
        assert me is not None
        return await checklist_of(db, me)


@api.route(
    "GET",
    "/api/me/newcomers",
    summary="The newcomers one mentors, each with their checklist's progress",
    returns=list[NewcomerPublic],
)
async def get_my_newcomers(ctx: Ctx) -> list[NewcomerPublic]:
    async with ctx.services.db.reader() as db:
        return await my_newcomers(db, ctx.user)


@api.route(
    "GET",
    "/api/users/{user_id:id}/mentors",
    summary="A newcomer's mentors (the newcomer, their mentors and admins only)",
    returns=list[PersonRef],
)
async def get_mentors(ctx: Ctx) -> list[PersonRef]:
    async with ctx.services.db.reader() as db:
        return await mentors_for(db, ctx.user, ctx.path_int("user_id"))


@api.route(
    "PUT",
    "/api/users/{user_id:id}/mentors",
    summary="Choose a newcomer's mentors, all of them (admins)",
    body=MentorsSet,
    returns=list[PersonRef],
    role="admin",
)
async def set_mentors(ctx: Ctx) -> list[PersonRef]:
    user_id = ctx.path_int("user_id")
    await ctx.services.act(actions.do_set_mentors, ctx.user, user_id, ctx.body)
    async with ctx.services.db.reader() as db:
        return await mentors_for(db, ctx.user, user_id)


@api.route(
    "GET",
    "/api/users/{user_id:id}/mentor-suggestions",
    summary="Who could mentor a newcomer, best first: other departments, shared groups,"
    " fewer newcomers (admins)",
    returns=list[MentorSuggestion],
    role="admin",
)
async def get_suggestions(ctx: Ctx) -> list[MentorSuggestion]:
    _require_admin(ctx.user)
    async with ctx.services.db.reader() as db:
        user = await db.get(User, ctx.path_int("user_id"))
        if user is None:
            raise NotFoundError("no such person")
        return await suggest_mentors(db, user)


@api.route(
    "GET",
    "/api/onboarding/checklist",
    summary="The checklist items admins prepared, everyone's and each department's (admins)",
    returns=list[ChecklistItemPublic],
    query=[Param("department", "only this department's (and everyone's)", "integer")],
    role="admin",
)
async def list_items(ctx: Ctx) -> list[ChecklistItemPublic]:
    _require_admin(ctx.user)
    department = ctx.query_int("department")
    stmt = select(ChecklistItem)
    if department is not None:
        stmt = stmt.where(
            col(ChecklistItem.department_id).is_(None) | (ChecklistItem.department_id == department)
        )
    async with ctx.services.db.reader() as db:
        items = (await db.exec(stmt.order_by(col(ChecklistItem.id)))).all()
    return [_item_public(i) for i in items]


@api.route(
    "POST",
    "/api/onboarding/checklist",
    summary="Add an item to a department's checklist, or everyone's (admins)",
    body=ChecklistItemCreate,
    returns=ChecklistItemPublic,
    status=201,
    role="admin",
)
async def create_item(ctx: Ctx) -> ChecklistItemPublic:
    return _item_public(await ctx.services.act(actions.do_create_item, ctx.user, ctx.body))


@api.route(
    "DELETE",
    "/api/onboarding/checklist/{item_id:id}",
    summary="Remove a checklist item (admins)",
    role="admin",
)
async def delete_item(ctx: Ctx) -> None:
    await ctx.services.act(actions.do_delete_item, ctx.user, ctx.path_int("item_id"))


@api.route(
    "GET",
    "/api/onboarding/settings",
    summary="The newcomer period and the welcome post's template (admins)",
    returns=OnboardingSettings,
    role="admin",
)
async def get_settings(ctx: Ctx) -> OnboardingSettings:
    _require_admin(ctx.user)
    async with ctx.services.db.reader() as db:
        return _settings_public(await load_settings(db))


@api.route(
    "PATCH",
    "/api/onboarding/settings",
    summary="Change the newcomer period (days) or the welcome post's template (admins)",
    body=OnboardingSettingsUpdate,
    returns=OnboardingSettings,
    role="admin",
)
async def update_settings(ctx: Ctx) -> OnboardingSettings:
    return _settings_public(await ctx.services.act(actions.do_update_settings, ctx.user, ctx.body))
