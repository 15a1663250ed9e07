"""Announcements over HTTP (announcements/): publishing and scheduling,
reading, confirming, the rates and reminders for their authors and admins,
comments, and the departments' announcers (admins). Their files are
downloaded at the file routes (server/routes/files.py)."""

from __future__ import annotations

from announcements import actions, reads
from announcements.models import (
    AnnouncementCommentCreate,
    AnnouncementCommentPublic,
    AnnouncementComments,
    AnnouncementCreate,
    AnnouncementEdit,
    AnnouncementList,
    AnnouncementPublic,
    AnnouncementReminded,
    AnnouncerChange,
    Announcers,
    Confirmation,
    Confirmations,
    Rights,
)
from server.api import Ctx, Param, api


@api.route(
    "POST",
    "/api/announcements",
    summary="Publish an announcement to the company or to departments, now or at publish_at "
    "(admins; a department's announcers to theirs)",
    body=AnnouncementCreate,
    returns=AnnouncementPublic,
    status=201,
)
async def publish_announcement(ctx: Ctx) -> AnnouncementPublic:
    return await ctx.services.act(actions.do_publish_announcement, ctx.user, ctx.body)


@api.route(
    "GET",
    "/api/announcements",
    summary="The announcements one may read, newest first (one's scheduled ones too)",
    returns=AnnouncementList,
    query=[Param("before", "announcement id: the next page starts below it", "integer")],
)
async def list_announcements(ctx: Ctx) -> AnnouncementList:
    async with ctx.services.db.connection() as conn:
        return await reads.listed(conn, ctx.user, ctx.query_int("before"))


@api.route(
    "GET",
    "/api/announcements/rights",
    summary="Where one may announce: the whole company (admins) and these departments",
    returns=Rights,
)
async def announcement_rights(ctx: Ctx) -> Rights:
    async with ctx.services.db.connection() as conn:
        return await reads.rights(conn, ctx.user)


@api.route(
    "GET",
    "/api/announcements/{announcement_id:id}",
    summary="One announcement",
    returns=AnnouncementPublic,
)
async def get_announcement(ctx: Ctx) -> AnnouncementPublic:
    async with ctx.services.db.connection() as conn:
        return await reads.one(conn, ctx.user, ctx.path_int("announcement_id"))


@api.route(
    "PATCH",
    "/api/announcements/{announcement_id:id}",
    summary="Edit an announcement (its author, admins): marked updated; ask_again: "
    "everyone confirms again",
    body=AnnouncementEdit,
    returns=AnnouncementPublic,
)
async def edit_announcement(ctx: Ctx) -> AnnouncementPublic:
    return await ctx.services.act(
        actions.do_edit_announcement, ctx.user, ctx.path_int("announcement_id"), ctx.body
    )


@api.route(
    "POST",
    "/api/announcements/{announcement_id:id}/confirm",
    summary="Confirm having read a must-read announcement (確認しました)",
    returns=Confirmation,
)
async def confirm_announcement(ctx: Ctx) -> Confirmation:
    return await ctx.services.act(
        actions.do_confirm_announcement, ctx.user, ctx.path_int("announcement_id")
    )


@api.route(
    "GET",
    "/api/announcements/{announcement_id:id}/confirmations",
    summary="The confirmation rate, overall and per department, and who has not confirmed "
    "(its author, admins)",
    returns=Confirmations,
)
async def announcement_confirmations(ctx: Ctx) -> Confirmations:
    async with ctx.services.db.connection() as conn:
        return await reads.confirmations(conn, ctx.user, ctx.path_int("announcement_id"))


@api.route(
    "POST",
    "/api/announcements/{announcement_id:id}/remind",
    summary="Remind everyone who has not confirmed (a notification; its author, admins)",
    returns=AnnouncementReminded,
)
async def remind_announcement(ctx: Ctx) -> AnnouncementReminded:
    return await ctx.services.act(
        actions.do_remind_unconfirmed, ctx.user, ctx.path_int("announcement_id")
    )


@api.route(
    "GET",
    "/api/announcers",
    summary="Who may announce to which department (admins)",
    returns=Announcers,
    role="admin",
)
async def list_announcers(ctx: Ctx) -> Announcers:
    async with ctx.services.db.connection() as conn:
        return await reads.announcers(conn)


@api.route(
    "POST",
    "/api/announcers",
    summary="Name a person an announcer for a department (admins)",
    body=AnnouncerChange,
    returns=Announcers,
    role="admin",
)
async def name_announcer(ctx: Ctx) -> Announcers:
    await ctx.services.act(actions.do_name_announcer, ctx.user, ctx.body)
    async with ctx.services.db.connection() as conn:
        return await reads.announcers(conn)


@api.route(
    "DELETE",
    "/api/announcers/{department_id:id}/{user_id:id}",
    summary="Take a department's announcer right away from a person (admins)",
    returns=Announcers,
    role="admin",
)
async def remove_announcer(ctx: Ctx) -> Announcers:
    change = AnnouncerChange(
        department_id=ctx.path_int("department_id"), person_id=ctx.path_int("user_id")
    )
    await ctx.services.act(actions.do_remove_announcer, ctx.user, change)
    async with ctx.services.db.connection() as conn:
        return await reads.announcers(conn)


# ---- comments ------------------------------------------------------------------------


@api.route(
    "GET",
    "/api/announcements/{announcement_id:id}/comments",
    summary="An announcement's comments, oldest first (whoever may read it)",
    returns=AnnouncementComments,
    query=[Param("after", "comment id: the next page starts after it", "integer")],
)
async def list_announcement_comments(ctx: Ctx) -> AnnouncementComments:
    async with ctx.services.db.connection() as conn:
        return await reads.comments(
            conn, ctx.user, ctx.path_int("announcement_id"), ctx.query_int("after")
        )


@api.route(
    "POST",
    "/api/announcements/{announcement_id:id}/comments",
    summary="Comment on an announcement (its audience, its author, admins; while comments "
    "are open). The word check applies: acknowledge_warning sends past a warning",
    body=AnnouncementCommentCreate,
    returns=AnnouncementCommentPublic,
    status=201,
)
async def comment_announcement(ctx: Ctx) -> AnnouncementCommentPublic:
    return await ctx.services.act(
        actions.do_comment_announcement, ctx.user, ctx.path_int("announcement_id"), ctx.body
    )


@api.route(
    "DELETE",
    "/api/announcements/{announcement_id:id}/comments/{comment_id:id}",
    summary="Delete a comment (its writer, the announcement's author, moderators, admins)",
    returns=AnnouncementComments,
)
async def delete_announcement_comment(ctx: Ctx) -> AnnouncementComments:
    announcement_id = ctx.path_int("announcement_id")
    await ctx.services.act(
        actions.do_delete_announcement_comment,
        ctx.user,
        announcement_id,
        ctx.path_int("comment_id"),
    )
    async with ctx.services.db.connection() as conn:
        return await reads.comments(conn, ctx.user, announcement_id)
