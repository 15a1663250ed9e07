"""An announcement's files: attaching uploads to it, releasing the ones an
edit drops, and who may see them (exactly who may read the announcement: its
audience as it is now, its author and admins; a scheduled one's, its author
and admins only).

The rows and bytes are channels/attachments.py's and files/'s; a file on an
announcement has ``announcement_id`` set (and no post), so the sweeper keeps
it and posts cannot take it. channels/ sits below this package and does not
know audiences: the server's file routes ask ``access`` here for such rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import update
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from announcements import reads
from channels.attachments import Attachment, UnusableFileError, ref_of
from core.clock import utcnow
from core.errors import NotFoundError
from org.models import User


async def attach(
    db: AsyncSession, rows: Sequence[Attachment], announcement_id: int
) -> list[dict[str, Any]]:
    """Put ``rows`` on the announcement and answer what it carries. Only rows
    on nothing are taken: if another write took one first, ``UnusableFileError``
    (the caller's unit rolls back)."""
    new = [row.pk for row in rows if row.announcement_id is None]
    if new:
        taken = await db.exec(
            update(Attachment)
            .where(
                col(Attachment.pk).in_(new),
                col(Attachment.post_id).is_(None),
                col(Attachment.announcement_id).is_(None),
                col(Attachment.deleted_at).is_(None),
            )
            .values(announcement_id=announcement_id, attached_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        if taken.rowcount != len(new):
            raise UnusableFileError("a file was attached elsewhere meanwhile")
    return [ref_of(row).model_dump(mode="json") for row in rows]


async def release(db: AsyncSession, announcement_id: int, *, keep: Sequence[str] = ()) -> None:
    """The announcement's files (but ``keep``) are deleted: nobody may see them
    from this commit on, and the sweeper removes their bytes."""
    query = (
        update(Attachment)
        .where(
            col(Attachment.announcement_id) == announcement_id,
            col(Attachment.deleted_at).is_(None),
        )
        .values(deleted_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if keep:
        query = query.where(col(Attachment.id).not_in(keep))
    await db.exec(query)


async def access(db: AsyncSession, user: User, row: Attachment) -> Attachment:
    """``row`` (a file on an announcement) if ``user`` may read that
    announcement now; else ``NotFoundError``, as for a file that never was."""
    assert row.announcement_id is not None
    if user.id is None or not await reads.may_read(db, user.id, row.announcement_id):
        raise NotFoundError("no such file")
    return row
