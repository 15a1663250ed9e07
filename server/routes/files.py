"""Files over HTTP: upload, download (whole, ranged, a thumbnail), what a
channel and a person shared, and the admins' rules and storage figures.

Every download asks who may see the file first (``_access``): a file on an
announcement, announcements/files.py (whoever may read the announcement); any
other, channels/attachments.py's ``access_file``. A file one may not see
answers 404, the same as one that never existed.
"""

from __future__ import annotations

from urllib.parse import unquote

from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.requests import ClientDisconnect
from starlette.responses import Response

from announcements import files as announcement_files
from channels import attachments
from channels.attachments import Attachment, FilePublic, FileRules, FilesPage, StorageUsage
from core.errors import ForbiddenError
from org.models import User
from server.api import Ctx, HttpError, Param, api

_PAGE = [
    Param("kind", "image: images only; document: everything else"),
    Param("before", "the page's ``before``: older files", "integer"),
]


@api.route(
    "POST",
    "/api/files",
    summary="Upload a file (the body is its bytes); a post or comment then names its id",
    returns=FilePublic,
    status=201,
    query=[Param("name", "the file's name (or send it percent-encoded as X-File-Name)")],
    consumes="application/octet-stream",
    streamed=True,
)
async def upload_file(ctx: Ctx) -> FilePublic:
    request = ctx.request
    name = request.query_params.get("name") or unquote(request.headers.get("x-file-name") or "")
    declared = request.headers.get("content-length")
    size = int(declared) if declared is not None and declared.isdigit() else None
    try:
        return await ctx.services.files.upload(ctx.user, name, request.stream(), size)
    except ClientDisconnect:
        # Cancelled, or the connection dropped: nothing was kept, nobody to answer.
        raise HttpError(400, "upload_cancelled", "the upload ended before its last byte") from None


@api.route(
    "GET",
    "/api/files/rules",
    summary="What may be uploaded: the size of one file and the kinds accepted",
    returns=FileRules,
)
async def get_file_rules(ctx: Ctx) -> FileRules:
    ctx.user  # noqa: B018  (signed-in people only)
    return await ctx.services.files.rules()


@api.route(
    "PUT",
    "/api/files/rules",
    summary="Set what may be uploaded (admins)",
    body=FileRules,
    returns=FileRules,
    role="admin",
)
async def set_file_rules(ctx: Ctx) -> FileRules:
    if not ctx.user.is_admin:
        raise ForbiddenError("only admins set the file rules")
    return await ctx.services.files.set_rules(ctx.user, ctx.body)


@api.route(
    "GET",
    "/api/files/usage",
    summary="Storage used, in all, per channel and per person (admins)",
    returns=StorageUsage,
    role="admin",
)
async def storage_usage(ctx: Ctx) -> StorageUsage:
    if not ctx.user.is_admin:
        raise ForbiddenError("only admins see storage use")
    async with ctx.services.db.reader() as db:
        return await attachments.storage_usage(db)


async def _access(db: AsyncSession, user: User, file_id: str) -> Attachment:
    """The file if ``user`` may see it now; else 404 (``NotFoundError``)."""
    row = await attachments.live_file(db, file_id)
    if row.announcement_id is not None:
        return await announcement_files.access(db, user, row)
    return await attachments.access_file(db, user, file_id)


@api.route(
    "GET",
    "/api/files/{file_id:fileid}",
    summary="A file's name, type, size and where it was shared",
    returns=FilePublic,
)
async def get_file(ctx: Ctx) -> FilePublic:
    async with ctx.services.db.reader() as db:
        row = await _access(db, ctx.user, ctx.request.path_params["file_id"])
        return await attachments.file_public(db, row)


async def _download(ctx: Ctx, variant: str) -> Response:
    async with ctx.services.db.reader() as db:
        row = await _access(db, ctx.user, ctx.request.path_params["file_id"])
    return await ctx.services.files.answer(ctx.request, row, variant)


@api.route(
    "GET",
    "/api/files/{file_id:fileid}/content",
    summary="A file's bytes (Range and If-None-Match answered); images as re-encoded",
    query=[Param("download", "1: as an attachment, also for an image")],
    produces="*/*",
)
async def download_file(ctx: Ctx) -> Response:
    return await _download(ctx, "content")


@api.route(
    "GET",
    "/api/files/{file_id:fileid}/thumb",
    summary="An image's thumbnail (WebP, within 480 px)",
    produces="image/webp",
)
async def download_thumbnail(ctx: Ctx) -> Response:
    return await _download(ctx, "thumb")


def _page_query(ctx: Ctx) -> tuple[str | None, int | None]:
    kind = ctx.request.query_params.get("kind") or None
    if kind is not None and kind not in attachments.KINDS:
        raise HttpError(400, "invalid", "kind: image or document")
    return kind, ctx.query_int("before")


@api.route(
    "GET",
    "/api/channels/{channel_id:id}/files",
    summary="What was shared in a channel, newest first",
    returns=FilesPage,
    query=_PAGE,
)
async def channel_files(ctx: Ctx) -> FilesPage:
    kind, before = _page_query(ctx)
    async with ctx.services.db.reader() as db:
        return await attachments.channel_files(
            db, ctx.user, ctx.path_int("channel_id"), kind=kind, before=before
        )


@api.route(
    "GET",
    "/api/users/{user_id:id}/files",
    summary="What a person shared, where one may see it, newest first",
    returns=FilesPage,
    query=_PAGE,
)
async def person_files(ctx: Ctx) -> FilesPage:
    kind, before = _page_query(ctx)
    async with ctx.services.db.reader() as db:
        return await attachments.person_files(
            db, ctx.user, ctx.path_int("user_id"), kind=kind, before=before
        )
