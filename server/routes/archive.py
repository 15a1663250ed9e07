"""Retention and export over HTTP: each channel's retention (admins), one's
own data as JSON (everyone), and the whole network's export and import
(admins; audited). archive/ holds the rules; this module moves the bytes."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import tempfile
from typing import Any

from pydantic import BaseModel
from starlette.background import BackgroundTask
from starlette.responses import FileResponse, Response

from archive import mine, network
from archive import retention as keeping
from archive.facts import NetworkExported, NetworkImported, NetworkImportRefused
from archive.retention import RetentionPublic, RetentionSet
from audit.registry import person_label
from bus.base import CONTROL_TOPIC
from bus.messages import Forget, Kick
from core.clock import utcnow
from core.errors import ConflictError, DomainError
from server.api import Ctx, HttpError, api
from streams.unit import Unit, run

ZIP_TYPE = "application/zip"


class ImportDone(BaseModel):
    """What the import took in: records by type, and files."""

    records: dict[str, int]
    files: int


# ---- retention ------------------------------------------------------------------------


@api.route(
    "GET",
    "/api/retention",
    summary="Every channel one can read with its retention (admins)",
    returns=list[RetentionPublic],
    role="admin",
)
async def list_retention(ctx: Ctx) -> list[RetentionPublic]:
    async with ctx.services.db.reader() as db:
        return await keeping.rules(db, ctx.user)


@api.route(
    "PUT",
    "/api/channels/{channel_id:id}/retention",
    summary="Delete a channel's posts older than this many days, or keep them (null; admins)",
    body=RetentionSet,
    returns=RetentionPublic,
    role="admin",
)
async def set_retention(ctx: Ctx) -> RetentionPublic:
    channel_id, days = ctx.path_int("channel_id"), ctx.body.days

    async def apply(unit: Unit) -> RetentionPublic:
        return await keeping.set_rule(unit, ctx.user, channel_id, days)

    return await ctx.services.write(apply, ctx.user)


# ---- one's own data -------------------------------------------------------------------


@api.route(
    "GET",
    "/api/me/export",
    summary="Download one's own data as JSON: profile, posts, likes, files, messages, ...",
    returns=dict[str, Any],
)
async def export_my_data(ctx: Ctx) -> Response:
    user_id = ctx.user.id
    assert user_id is not None
    async with ctx.services.db.connection() as conn:
        data = await mine.my_data(conn, user_id)
    stamp = utcnow().strftime("%Y%m%d")
    return Response(
        json.dumps(data, ensure_ascii=False, indent=1),
        media_type="application/json",
        headers={"content-disposition": f'attachment; filename="kaisha-my-data-{stamp}.json"'},
    )


# ---- the whole network ------------------------------------------------------------------


def _unlink(path: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)


@api.route(
    "GET",
    "/api/export",
    summary="Export the whole network: a zip of JSON lines and files (admins)",
    produces=ZIP_TYPE,
    role="admin",
)
async def export_network(ctx: Ctx) -> Response:
    services = ctx.services
    fd, path = tempfile.mkstemp(prefix="kaisha-export-", suffix=".zip")
    try:
        with os.fdopen(fd, "w+b") as out:
            if services.settings.is_sqlite:
                # One snapshot of every table: SQLite's one writer waits meanwhile.
                async with services.db.writer() as session:
                    conn = await session.connection()
                    done = await network.export(conn, services.files.storage, out)
            else:
                async with services.db.connection() as conn:
                    done = await network.export(conn, services.files.storage, out)

        async def note(unit: Unit) -> None:
            unit.note(NetworkExported(records=done.total, files=done.files))

        await services.write(note, ctx.user)
    except BaseException:
        _unlink(path)
        raise
    stamp = utcnow().strftime("%Y%m%d-%H%M")
    return FileResponse(
        path,
        media_type=ZIP_TYPE,
        filename=f"kaisha-export-{stamp}.zip",
        background=BackgroundTask(_unlink, path),
    )


async def _receive(ctx: Ctx, path: str, limit: int) -> None:
    declared = ctx.request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise HttpError(413, "too_large", f"an import file is at most {limit} bytes")
    size = 0
    with open(path, "wb") as out:  # noqa: ASYNC230  (a local temporary file)
        async for chunk in ctx.request.stream():
            size += len(chunk)
            if size > limit:
                raise HttpError(413, "too_large", f"an import file is at most {limit} bytes")
            out.write(chunk)


@api.route(
    "POST",
    "/api/import",
    summary="Import a network export into this fresh installation, all or nothing (admins)",
    returns=ImportDone,
    status=201,
    # The zip's bytes, as an upload is (any content type is taken).
    consumes="application/octet-stream",
    streamed=True,
    role="admin",
)
async def import_network(ctx: Ctx) -> ImportDone:
    services, importer = ctx.services, ctx.user
    limit = services.settings.import_max_bytes
    label = person_label(importer.display_name, importer.email)

    async def refused(reason: str) -> None:
        async def note(unit: Unit) -> None:
            unit.note(NetworkImportRefused(reason=reason))

        await services.write(note, importer)

    # Refused at once when the installation is not fresh: no upload to wait for.
    async def fresh(unit: Unit) -> None:
        await network.require_fresh(unit, importer.id)

    try:
        await services.write(fresh, importer)
    except network.NotFreshError:
        await refused("not_empty")
        raise
    fd, path = tempfile.mkstemp(prefix="kaisha-import-", suffix=".zip")
    os.close(fd)
    written: list[str] = []
    storage = services.files.storage
    try:
        await _receive(ctx, path, limit)
        parsed = await asyncio.to_thread(network.parse, path, max_unpacked=4 * limit)

        async def apply(unit: Unit) -> ImportDone:
            await network.require_fresh(unit, importer.id)
            await network.take_in(unit, parsed)
            unit.note(NetworkImported(records=parsed.total, files=len(parsed.files), by=label))
            if importer.id is not None:
                # The fresh installation's administrator is gone: signed out everywhere.
                unit.send_after_commit(
                    CONTROL_TOPIC, Kick(user=importer.id, credential=None, reason="signed_out")
                )
                unit.send_after_commit(CONTROL_TOPIC, Forget(user=importer.id))
            # Bytes last, once every row went in; the unit commits after them.
            await network.write_files(storage, path, parsed, written)
            return ImportDone(
                records={k: len(v) for k, v in parsed.rows.items()}, files=len(parsed.files)
            )

        try:
            async with services.db.writer() as db:
                done = await run(db, services.bus, apply)
        except network.NotFreshError:
            raise
        except ConflictError as exc:
            # A row the database refused (two accounts of one email, ...).
            raise network.ImportFileError(
                f"the file's records conflict with each other ({exc.message}): nothing imported"
            ) from None
        if importer.id is not None:
            services.auth_cache.forget_user(importer.id)
        written.clear()
        return done
    except (DomainError, HttpError):
        raise
    except Exception as exc:
        raise HttpError(
            400, "import_failed", f"the import failed and changed nothing: {exc}"
        ) from None
    finally:
        await network.remove_files(storage, written)
        _unlink(path)
