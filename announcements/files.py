"""Who may see an announcement's files: exactly who may read the
announcement (its audience as it is now, its author and admins; a scheduled
one's, its author and admins only).

The rows and bytes are channels/attachments.py's and files/'s (which uploads
an announcement may carry, attaching and releasing them: ``usable``,
``attach``, ``release`` with ``announcement_id``); a file on an announcement
has ``announcement_id`` set (and no post), so the sweeper keeps it and posts
cannot take it. channels/ sits below this package and does not
know audiences: the server's file routes ask ``access`` here for such rows.
"""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from announcements import reads
from channels.attachments import Attachment
from core.errors import NotFoundError
from org.models import User


async def access(db: AsyncSession, user: User, row: Attachment) -> Attachment:
    """``row`` (a file on an announcement) if ``user`` may read that
    announcement now; else ``NotFoundError``, as for a file that never was."""
    assert row.announcement_id is not None
    if user.id is None or not await reads.may_read(db, user.id, row.announcement_id):
        raise NotFoundError("no such file")
    return row
