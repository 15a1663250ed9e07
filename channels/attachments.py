"""Files attached to posts and comments: which post a file belongs to, who may
see it, what a channel and a person shared, how much is stored, and what is
left to sweep. The bytes are files/'s (storage, images, intake); this module
only ever deals in rows and keys.

A file's life: uploaded (a row with its uploader, no post: only the uploader
may see it), attached by the post or comment that names it (the post's
channel decides who may see it from then on, through channels/access.py, on
every request), released when its post is deleted or an edit drops it
(``deleted_at``: nobody may see it), and swept (bytes, then row) by the
server's sweeper, as are uploads never attached within a day.

Posts carry their files' metadata (``Post.files``, ``FileRef``): events and
pages show them without a join.

An announcement's files are rows like these with ``announcement_id`` instead
of a post (announcements/files.py attaches and releases them, and says who
may see them: this package sits below announcements/ and does not know its
audiences, so ``access_file`` answers "not found" for them and the server's
file routes ask announcements/ instead, ``live_file`` first).
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel, field_validator
from pydantic import Field as PField
from sqlalchemy import BigInteger, Column, Index, delete, func, not_, update
from sqlalchemy import select as sa_select
from sqlmodel import Field, SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from channels.access import access_channel, access_post, post_before_joining, readable_by
from channels.models import MAX_FILES, PAGE_SIZE, Channel, FileRef, PersonRef, Post
from core.clock import iso, utcnow
from core.errors import InvalidError, NotFoundError
from core.schema import StrictModel
from core.tables import table_of
from files.intake import CATEGORIES, Category, Intake, category
from org.models import Department, User

MAX_NAME_CHARS = 200
UNATTACHED_FOR = timedelta(days=1)  # an upload no post named by then is swept
FILE_RULES = "files"  # org/settings.py key


class Attachment(SQLModel, table=True):
    __tablename__ = "attachment"
    __table_args__ = (
        Index("ix_attachment_channel", "channel_id", "pk"),
        Index("ix_attachment_uploader", "uploader_id", "pk"),
        Index("ix_attachment_post", "post_id"),
        Index("ix_attachment_announcement", "announcement_id"),
    )
    # ``pk`` orders and pages; ``id`` is what clients and URLs see: random, so
    # that one file's id says nothing about another's.
    pk: int | None = Field(default=None, primary_key=True)
    id: str = Field(max_length=32, unique=True)
    key: str = Field(max_length=64)  # where the bytes are (files/intake.py: Intake.key)
    uploader_id: int = Field(foreign_key="account.id")
    channel_id: int | None = Field(default=None, foreign_key="channel.id")
    post_id: int | None = Field(default=None, foreign_key="post.id")
    # On an announcement instead (announcements/files.py).
    announcement_id: int | None = Field(default=None, foreign_key="announcement.id")
    name: str = Field(max_length=MAX_NAME_CHARS + 20)
    media_type: str = Field(max_length=100)
    category: str = Field(max_length=10)
    is_image: bool = False
    size: int = Field(sa_column=Column(BigInteger, nullable=False))
    stored_bytes: int = Field(sa_column=Column(BigInteger, nullable=False))
    width: int | None = None
    height: int | None = None
    animated: bool = False
    created_at: datetime = Field(default_factory=utcnow)
    attached_at: datetime | None = None
    deleted_at: datetime | None = None


# ---- shapes -----------------------------------------------------------------------


class FilePublic(FileRef):
    """A file with where it was shared, by whom and when (uploads, lists)."""

    uploader: PersonRef
    created_at: str
    channel_id: int | None
    post_id: int | None
    thread_id: int | None = None  # the post a comment's file sits under
    announcement_id: int | None = None  # on an announcement (not a post)


class FilesPage(BaseModel):
    files: list[FilePublic]
    before: int | None  # pass as ?before= for the next older page; None at the end


class FileRules(StrictModel):
    """What an admin allows: the size of one file and the kinds accepted."""

    max_file_mb: int = PField(default=50, ge=1, le=5000)
    allowed: list[Category] = PField(default_factory=lambda: list(CATEGORIES))

    @field_validator("allowed")
    @classmethod
    def _distinct(cls, value: list[str]) -> list[str]:
        return [c for c in CATEGORIES if c in value]

    @property
    def max_bytes(self) -> int:
        return self.max_file_mb * 1024 * 1024


class UsageRow(BaseModel):
    id: int
    name: str
    files: int
    bytes: int


class StorageUsage(BaseModel):
    total_bytes: int
    total_files: int
    unattached_bytes: int  # uploads no post has named yet
    channels: list[UsageRow]  # the most used first
    people: list[UsageRow]


class UnusableFileError(InvalidError):
    """A post named a file it may not carry: unknown, someone else's upload,
    already on another post or an announcement, or deleted."""

    code = "file_unavailable"


# ---- names ------------------------------------------------------------------------

_UNSAFE = re.compile(r"[\x00-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


def clean_name(raw: str) -> str:
    """A file name as people see it: the last path segment, NFC, without control
    or direction-changing characters, at most ``MAX_NAME_CHARS`` (keeping the
    extension). Japanese names stay as they are; nothing of it is a path."""
    name = unicodedata.normalize("NFC", raw)
    name = re.split(r"[\\/]", name)[-1]
    name = _UNSAFE.sub("", name).strip().strip(".").strip()
    if len(name) > MAX_NAME_CHARS:
        stem, dot, ext = name.rpartition(".")
        if dot and 0 < len(ext) <= 10:
            name = stem[: MAX_NAME_CHARS - len(ext) - 1] + "." + ext
        else:
            name = name[:MAX_NAME_CHARS]
    return name or "file"


def new_file_id() -> str:
    """22 characters of a cryptographic random: never guessed, never a sequence."""
    return secrets.token_urlsafe(16)


def ref_of(row: Attachment) -> FileRef:
    return FileRef(
        id=row.id,
        name=row.name,
        type=row.media_type,
        size=row.size,
        image=row.is_image,
        width=row.width,
        height=row.height,
        animated=row.animated,
    )


# ---- writes (in the caller's unit of work) ----------------------------------------


def record_upload(
    db: AsyncSession, uploader_id: int, file_id: str, name: str, intake: Intake
) -> Attachment:
    """The row for what ``take_in`` stored; attached to nothing yet."""
    row = Attachment(
        id=file_id,
        key=intake.key,
        uploader_id=uploader_id,
        name=clean_name(name),
        media_type=intake.media_type,
        category=category(intake.media_type),
        is_image=intake.image,
        size=intake.size,
        stored_bytes=intake.stored_bytes,
        width=intake.width,
        height=intake.height,
        animated=intake.animated,
    )
    db.add(row)
    return row


async def usable(
    db: AsyncSession,
    uploader_id: int,
    ids: Sequence[str],
    *,
    post_id: int | None = None,
    announcement_id: int | None = None,
) -> list[Attachment]:
    """The files ``ids`` name, in that order, if a post by ``uploader_id`` (or
    an announcement: announcements/files.py) may carry them: each one's own
    upload on nothing yet, or (editing) already on ``post_id`` or
    ``announcement_id``, whoever uploaded it.

    Raises:
        UnusableFileError: one of them may not be used.
    """
    if not ids:
        return []
    if len(set(ids)) != len(ids):
        raise UnusableFileError("the same file is named twice")
    if len(ids) > MAX_FILES:
        what = "announcement" if announcement_id is not None else "post"
        raise UnusableFileError(f"at most {MAX_FILES} files per {what}")
    rows = (await db.exec(select(Attachment).where(col(Attachment.id).in_(ids)))).all()
    found = {row.id: row for row in rows}
    for file_id in ids:
        row = found.get(file_id)
        if row is None or row.deleted_at is not None:
            raise UnusableFileError(f"file {file_id} cannot be attached here")
        here = (post_id is not None and row.post_id == post_id) or (
            announcement_id is not None and row.announcement_id == announcement_id
        )
        free = row.post_id is None and row.announcement_id is None
        if not (here or (free and row.uploader_id == uploader_id)):
            raise UnusableFileError(f"file {file_id} cannot be attached here")
    return [found[file_id] for file_id in ids]


async def attach(
    db: AsyncSession,
    rows: Sequence[Attachment],
    post: Post | None = None,
    *,
    announcement_id: int | None = None,
) -> list[dict[str, Any]]:
    """Put ``rows`` on ``post`` (flushed, with an id), or on an announcement
    (announcements/), and answer what it carries. Only rows on nothing are
    taken: if another write took one first, ``UnusableFileError`` (the
    caller's unit rolls back)."""
    if post is not None:
        holder: dict[str, Any] = {"post_id": post.id, "channel_id": post.channel_id}
    else:
        holder = {"announcement_id": announcement_id}
    new = [row.pk for row in rows if row.post_id is None and row.announcement_id is None]
    if new:
        taken = await db.exec(
            update(Attachment)
            .where(
                col(Attachment.pk).in_(new),
                col(Attachment.post_id).is_(None),
                col(Attachment.announcement_id).is_(None),
                col(Attachment.deleted_at).is_(None),
            )
            .values(**holder, attached_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        if taken.rowcount != len(new):
            raise UnusableFileError("a file was attached elsewhere meanwhile")
    return [ref_of(row).model_dump(mode="json") for row in rows]


async def release(
    db: AsyncSession,
    post_ids: Sequence[int] = (),
    *,
    announcement_id: int | None = None,
    keep: Sequence[str] = (),
) -> None:
    """The files on these posts, or on an announcement, (but ``keep``) are
    deleted: nobody may see them from this commit on, and the sweeper removes
    their bytes."""
    if announcement_id is not None:
        holder = col(Attachment.announcement_id) == announcement_id
    elif post_ids:
        holder = col(Attachment.post_id).in_(post_ids)
    else:
        return
    query = (
        update(Attachment)
        .where(holder, col(Attachment.deleted_at).is_(None))
        .values(deleted_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if keep:
        query = query.where(col(Attachment.id).not_in(keep))
    await db.exec(query)


# ---- who may see a file -----------------------------------------------------------


async def live_file(db: AsyncSession, file_id: str) -> Attachment:
    """The file's row if it exists and is not deleted (whoever asks: the
    caller decides who may see it); else ``NotFoundError``."""
    row = (await db.exec(select(Attachment).where(Attachment.id == file_id))).first()
    if row is None or row.deleted_at is not None:
        raise NotFoundError("no such file")
    return row


async def access_file(db: AsyncSession, user: User, file_id: str) -> Attachment:
    """The file, if ``user`` may see it now: its uploader while it is on no
    post; once on one, whoever may read that post. Anything else is
    ``NotFoundError``, the same as for an id that never existed (and so is a
    file on an announcement: announcements/files.py judges those)."""
    row = await live_file(db, file_id)
    if row.announcement_id is not None:
        raise NotFoundError("no such file")
    if row.post_id is None:
        if row.uploader_id != user.id:
            raise NotFoundError("no such file")
        return row
    try:
        await access_post(db, user, row.post_id)
    except NotFoundError:
        raise NotFoundError("no such file") from None
    return row


async def file_public(db: AsyncSession, row: Attachment) -> FilePublic:
    """One file with who shared it, where and when."""
    uploader = (
        await db.exec(  # type: ignore[call-overload]
            sa_select(_USER.c.display_name, _DEPARTMENT.c.name, _USER.c.reading)
            .select_from(_USER.outerjoin(_DEPARTMENT, _DEPARTMENT.c.id == _USER.c.department_id))
            .where(_USER.c.id == row.uploader_id)
        )
    ).one()
    thread_id = None
    if row.post_id is not None:
        post = await db.get(Post, row.post_id)
        thread_id = post.parent_id if post is not None else None
    return FilePublic(
        **ref_of(row).model_dump(),
        uploader=PersonRef(
            id=row.uploader_id,
            display_name=uploader[0],
            department=uploader[1],
            reading=uploader[2],
        ),
        created_at=iso(row.attached_at or row.created_at) or "",
        channel_id=row.channel_id,
        post_id=row.post_id,
        thread_id=thread_id,
        announcement_id=row.announcement_id,
    )


# ---- lists ------------------------------------------------------------------------

_ATTACHMENT, _POST, _USER = table_of(Attachment), table_of(Post), table_of(User)
_DEPARTMENT, _CHANNEL = table_of(Department), table_of(Channel)
_LIVE_POST = table_of(Post).alias("thread")
KINDS = {"image": ["image"], "document": ["pdf", "office", "text", "other"]}


def _listing(before: int | None, kind: str | None, limit: int) -> Any:
    query = (
        sa_select(
            _ATTACHMENT,
            _USER.c.display_name,
            _DEPARTMENT.c.name,
            _USER.c.reading,
            _POST.c.parent_id,
        )
        .select_from(
            _ATTACHMENT.join(_POST, _POST.c.id == _ATTACHMENT.c.post_id)
            .join(_USER, _USER.c.id == _ATTACHMENT.c.uploader_id)
            .outerjoin(_DEPARTMENT, _DEPARTMENT.c.id == _USER.c.department_id)
            .outerjoin(_LIVE_POST, _LIVE_POST.c.id == _POST.c.parent_id)
        )
        .where(
            _ATTACHMENT.c.deleted_at.is_(None),
            _POST.c.deleted_at.is_(None),
            _LIVE_POST.c.deleted_at.is_(None),
            _POST.c.hidden_at.is_(None),  # a hidden post's files go with it (moderation/)
            _LIVE_POST.c.hidden_at.is_(None),
        )
        .order_by(_ATTACHMENT.c.pk.desc())
        .limit(limit + 1)
    )
    if before is not None:
        query = query.where(_ATTACHMENT.c.pk < before)
    if kind in KINDS:
        query = query.where(_ATTACHMENT.c.category.in_(KINDS[kind]))
    return query


def _page(rows: Sequence[Any], limit: int) -> FilesPage:
    files = []
    for row in rows[:limit]:
        m = row._mapping
        files.append(
            FilePublic(
                id=m["id"],
                name=m["name"],
                type=m["media_type"],
                size=m["size"],
                image=m["is_image"],
                width=m["width"],
                height=m["height"],
                animated=m["animated"],
                uploader=PersonRef(
                    id=m["uploader_id"],
                    display_name=m["display_name"],
                    department=m[_DEPARTMENT.c.name],
                    reading=m["reading"],
                ),
                created_at=iso(m["attached_at"] or m["created_at"]) or "",
                channel_id=m["channel_id"],
                post_id=m["post_id"],
                thread_id=m["parent_id"],
            )
        )
    more = len(rows) > limit
    return FilesPage(files=files, before=rows[limit - 1]._mapping["pk"] if more else None)


async def channel_files(
    db: AsyncSession,
    user: User,
    channel_id: int,
    *,
    kind: str | None = None,
    before: int | None = None,
    limit: int = PAGE_SIZE,
) -> FilesPage:
    """What was shared in a channel ``user`` may read, newest first."""
    await access_channel(db, user, channel_id)
    query = _listing(before, kind, limit).where(
        _ATTACHMENT.c.channel_id == channel_id, not_(post_before_joining(user.id, _POST))
    )
    return _page((await db.exec(query)).all(), limit)


async def person_files(
    db: AsyncSession,
    user: User,
    person_id: int,
    *,
    kind: str | None = None,
    before: int | None = None,
    limit: int = PAGE_SIZE,
) -> FilesPage:
    """What ``person_id`` shared, in the channels ``user`` may read, newest first."""
    query = (
        _listing(before, kind, limit)
        .join_from(_ATTACHMENT, _CHANNEL, _CHANNEL.c.id == _ATTACHMENT.c.channel_id)
        .where(
            _ATTACHMENT.c.uploader_id == person_id,
            readable_by(user.id, channel=_CHANNEL),
            not_(post_before_joining(user.id, _POST)),
        )
    )
    return _page((await db.exec(query)).all(), limit)


async def storage_usage(db: AsyncSession, *, top: int = 50) -> StorageUsage:
    """Bytes kept, in all and per channel and per person (deleted files, which
    the sweeper is about to remove, not counted)."""
    live = _ATTACHMENT.c.deleted_at.is_(None)
    total_files, total, unattached = (
        await db.exec(  # type: ignore[call-overload]
            sa_select(
                func.count(),
                func.coalesce(func.sum(_ATTACHMENT.c.stored_bytes), 0),
                func.coalesce(
                    func.sum(_ATTACHMENT.c.stored_bytes).filter(
                        _ATTACHMENT.c.post_id.is_(None), _ATTACHMENT.c.announcement_id.is_(None)
                    ),
                    0,
                ),
            ).where(live)
        )
    ).one()

    async def rows(by: Any, name: Any, table: Any) -> list[UsageRow]:
        bytes_ = func.sum(_ATTACHMENT.c.stored_bytes)
        query = (
            sa_select(by, name, func.count(), bytes_)
            .select_from(_ATTACHMENT.join(table, table.c.id == by))
            .where(live)
            .group_by(by, name)
            .order_by(bytes_.desc(), by)
            .limit(top)
        )
        result = await db.exec(query)  # type: ignore[call-overload]
        return [UsageRow(id=i, name=n, files=c, bytes=b) for i, n, c, b in result.all()]

    return StorageUsage(
        total_bytes=int(total),
        total_files=int(total_files),
        unattached_bytes=int(unattached),
        channels=await rows(_ATTACHMENT.c.channel_id, _CHANNEL.c.name, _CHANNEL),
        people=await rows(_ATTACHMENT.c.uploader_id, _USER.c.display_name, _USER),
    )


# ---- sweeping ---------------------------------------------------------------------


async def expire_unattached(db: AsyncSession, *, now: datetime | None = None) -> None:
    """Uploads no post (nor announcement) named within ``UNATTACHED_FOR`` are
    deleted, like a deleted post's files. Marked first, swept after: a post
    that names one from here on is refused, so no post ever carries a file
    being swept."""
    now = now or utcnow()
    await db.exec(
        update(Attachment)
        .where(
            col(Attachment.post_id).is_(None),
            col(Attachment.announcement_id).is_(None),
            col(Attachment.deleted_at).is_(None),
            col(Attachment.created_at) < now - UNATTACHED_FOR,
        )
        .values(deleted_at=now)
        .execution_options(synchronize_session=False)
    )


async def sweepable(db: AsyncSession, *, limit: int = 500) -> list[Attachment]:
    """Deleted files, whose bytes are to be removed, oldest first."""
    query = (
        select(Attachment)
        .where(col(Attachment.deleted_at).is_not(None))
        .order_by(col(Attachment.pk))
        .limit(limit)
    )
    return list((await db.exec(query)).all())


async def forget(db: AsyncSession, pks: Sequence[int]) -> None:
    """Remove the rows of swept files (their bytes are gone)."""
    if pks:
        await db.exec(delete(Attachment).where(col(Attachment.pk).in_(pks)))


__all__ = [
    "FILE_RULES",
    "MAX_FILES",
    "Attachment",
    "FilePublic",
    "FileRef",
    "FileRules",
    "FilesPage",
    "StorageUsage",
    "UnusableFileError",
    "access_file",
    "attach",
    "channel_files",
    "clean_name",
    "expire_unattached",
    "file_public",
    "forget",
    "live_file",
    "new_file_id",
    "person_files",
    "record_upload",
    "ref_of",
    "release",
    "storage_usage",
    "sweepable",
    "usable",
]
