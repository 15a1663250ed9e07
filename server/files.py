"""Files on one node: the store and the image workers it was configured with,
uploads (bytes through files/intake.py, the row through the one write path),
downloads as HTTP answers, and the sweeper that removes what was deleted.

Who may see a file is channels/attachments.py's ``access_file``, asked on
every request: nothing here caches a right.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterable, AsyncIterator
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from bus.base import Bus
from channels import attachments
from channels.attachments import FILE_RULES, Attachment, FilePublic, FileRules
from core.errors import NotFoundError
from files.errors import RangeNotSatisfiableError, TooLargeError
from files.images import TEXT, ImageLimits, ImageProcessor
from files.intake import DISPLAY, ORIGINAL, SERVED_AS_IS, THUMB, IntakeRules, take_in
from files.storage import ByteRange, Storage, make_storage
from org import settings as company
from org.models import User
from server.db import Database
from server.periodic import Periodic
from server.settings import Settings
from streams.unit import Unit, run

log = logging.getLogger(__name__)

# A file is never a page: no script, no plugin, no form, no frame, its own origin.
FILE_CSP = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"


def storage_of(settings: Settings) -> Storage:
    return make_storage(
        settings.files_dir,
        s3_bucket=settings.s3_bucket,
        s3_endpoint=settings.s3_endpoint,
        s3_access_key=settings.s3_access_key,
        s3_secret_key=settings.s3_secret_key,
        s3_region=settings.s3_region,
        s3_prefix=settings.s3_prefix,
    )


def content_disposition(kind: str, name: str) -> str:
    """RFC 6266: an ASCII fallback and the UTF-8 name (``filename*``), so a
    Japanese name arrives intact and no quote or newline leaves the header."""
    fallback = "".join(
        c if c.isascii() and c.isprintable() and c not in '"\\' else "_" for c in name
    )
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


class FileService:
    def __init__(self, settings: Settings, db: Database, bus: Bus) -> None:
        self.settings = settings
        self.storage = storage_of(settings)
        self.images = ImageProcessor(workers=settings.image_workers, limits=ImageLimits())
        self._db = db
        self._bus = bus
        self._sweeper: _Sweeper | None = None

    # ---- settings --------------------------------------------------------------

    async def rules(self) -> FileRules:
        async with self._db.reader() as db:
            return await company.load(db, FILE_RULES, FileRules)

    async def set_rules(self, actor: User, rules: FileRules) -> FileRules:
        async def apply(unit: Unit) -> FileRules:
            await company.save(unit, FILE_RULES, rules, actor.id)
            return rules

        async with self._db.writer() as db:
            return await run(db, self._bus, apply, actor_id=actor.id)

    # ---- uploads ---------------------------------------------------------------

    async def upload(
        self, user: User, name: str, chunks: AsyncIterable[bytes], declared: int | None
    ) -> FilePublic:
        """Take in one file for ``user``; attached to nothing until a post names it."""
        assert user.id is not None
        rules = await self.rules()
        if declared is not None and declared > rules.max_bytes:
            raise TooLargeError(rules.max_bytes)
        file_id = attachments.new_file_id()
        intake = await take_in(
            chunks,
            key=f"f/{file_id}",
            storage=self.storage,
            processor=self.images,
            rules=IntakeRules(rules.max_bytes, frozenset(rules.allowed)),
        )
        uploader_id = user.id

        async def apply(unit: Unit) -> Attachment:
            return attachments.record_upload(unit.db, uploader_id, file_id, name, intake)

        try:
            async with self._db.writer() as db:
                row = await run(db, self._bus, apply, actor_id=uploader_id)
                return await attachments.file_public(db, row)
        except BaseException:
            await self._remove(intake.keys())
            raise

    async def _remove(self, keys: list[str]) -> None:
        for key in keys:
            with contextlib.suppress(Exception):
                await self.storage.delete(key)

    # ---- downloads -------------------------------------------------------------

    async def answer(self, request: Request, row: Attachment, variant: str) -> Response:
        """The file (``display``/``original``) or its thumbnail as an HTTP answer:
        conditional (ETag), ranged, streamed, and never rendered as a page."""
        if variant == THUMB and not row.is_image:
            raise NotFoundError("only images have thumbnails")
        if variant != THUMB:
            variant = DISPLAY if row.is_image else ORIGINAL
        etag = f'"{row.id}.{variant}"'  # what is under a key never changes
        media_type = (
            row.media_type if row.media_type in SERVED_AS_IS else "application/octet-stream"
        )
        if variant == THUMB:
            media_type = "image/webp"
        headers = {
            "etag": etag,
            "accept-ranges": "bytes",
            # Kept by the browser, but asked again each time: rights change.
            "cache-control": "private, no-cache",
            "content-security-policy": FILE_CSP,
            "x-content-type-options": "nosniff",
            "cross-origin-resource-policy": "same-origin",
        }
        inline = row.is_image and request.query_params.get("download") not in ("1", "true")
        headers["content-disposition"] = content_disposition(
            "inline" if inline else "attachment", row.name
        )
        if media_type == TEXT:
            media_type += "; charset=utf-8"
        if etag in _etags(request.headers.get("if-none-match")):
            return Response(status_code=304, headers=headers)
        byte_range = ByteRange.from_header(request.headers.get("range"))
        if_range = request.headers.get("if-range")
        if if_range is not None and if_range != etag:
            byte_range = None
        try:
            download = await self.storage.read(f"{row.key}/{variant}", byte_range)
        except RangeNotSatisfiableError as exc:
            headers["content-range"] = f"bytes */{exc.size}"
            return Response(status_code=416, headers=headers)
        headers["content-length"] = str(download.length)
        if download.partial:
            headers["content-range"] = download.content_range()
        if request.method == "HEAD":
            await download.aclose()
            return Response(
                status_code=206 if download.partial else 200, headers=headers, media_type=media_type
            )

        async def body() -> AsyncIterator[bytes]:
            async with download:
                async for chunk in download:
                    yield chunk

        return StreamingResponse(
            body(),
            status_code=206 if download.partial else 200,
            headers=headers,
            media_type=media_type,
        )

    # ---- the sweeper -------------------------------------------------------------

    async def sweep(self) -> int:
        """Remove deleted files' bytes, then their rows; uploads never attached
        are deleted first. Every node may run it: removing twice is harmless.
        Answers how many files were removed."""

        async def expire(unit: Unit) -> None:
            await attachments.expire_unattached(unit.db)

        async with self._db.writer() as db:
            await run(db, self._bus, expire)
        removed = 0
        while True:
            async with self._db.reader() as db:
                rows = await attachments.sweepable(db)
            if not rows:
                return removed
            for row in rows:
                await self._remove([f"{row.key}/{v}" for v in (ORIGINAL, DISPLAY, THUMB)])
            pks = [row.pk for row in rows if row.pk is not None]

            async def forget(unit: Unit, pks: list[int] = pks) -> None:
                await attachments.forget(unit.db, pks)

            async with self._db.writer() as db:
                await run(db, self._bus, forget)
            removed += len(rows)

    def start(self, interval: float) -> None:
        self._sweeper = _Sweeper(self)
        self._sweeper.start(interval)

    async def close(self) -> None:
        if self._sweeper is not None:
            await self._sweeper.close()
        await self.images.close()
        await self.storage.close()


class _Sweeper(Periodic):
    """Deleted and never-attached files swept every interval; closing the node
    lets a round finish rather than cutting a statement short (server/periodic.py)."""

    name = "file-sweeper"

    def __init__(self, files: FileService) -> None:
        super().__init__()
        self._files = files

    async def run_once(self) -> int:
        return await self._files.sweep()


def _etags(header: str | None) -> set[str]:
    if not header:
        return set()
    return {tag.strip().removeprefix("W/") for tag in header.split(",")}
