"""The event kinds announcements own, in a person's own stream (``personal``
frames): what each recipient's devices show at once.

- ``announcement.published`` ``{"announcement": Announcement}``: one is among
  its audience (published now, or by the scheduling job): pin it if it is
  must-read and not confirmed
- ``announcement.updated``   ``{"announcement": Announcement}``: edited
  (``updated`` true); ``confirmed`` false again when the author asked again
- ``announcement.confirmed`` ``{"announcement_id": 4, "round": 1}``: one
  confirmed it (on this device or another): unpin it

Noted (no stream keeps them; the audit log does): ``announcer.named`` and
``announcer.removed`` ``{"user_id", "display_name", "email", "department_id",
"department"}``; ``announcement.comment_removed`` ``{"announcement_id",
"comment_id", "author_id"}``: someone other than its writer (the
announcement's author, a moderator, an admin) deleted a comment (its text is
not kept: a deleted comment leaves none).

Comments are not events in anyone's stream: the ``commented`` frame
(docs/protocol.md) tells who may read the announcement to fetch them again.

Who stops being in an announcement's audience (moved to another department)
hears ``account.updated`` (org/facts.py) and asks again: announcements are
read by the audience as it is now.
"""

from __future__ import annotations

from typing import ClassVar

from announcements.models import AnnouncementPublic
from audit.registry import audited
from streams.catalogue import NOTE, Fact, fact


class _Mine(Fact):
    stream: ClassVar[str] = "person"


@fact
class AnnouncementPublished(_Mine):
    kind: ClassVar[str] = "announcement.published"
    announcement: AnnouncementPublic


@fact
class AnnouncementUpdated(_Mine):
    kind: ClassVar[str] = "announcement.updated"
    announcement: AnnouncementPublic


@fact
class AnnouncementConfirmed(_Mine):
    kind: ClassVar[str] = "announcement.confirmed"
    announcement_id: int
    round: int


# ---- noted facts (streams/unit.py, ``Unit.note``): the audit log records them ------


class _Noted(Fact):
    stream: ClassVar[str] = NOTE


@fact
class AnnouncerNamed(_Noted):
    """An admin named someone an announcer for a department."""

    kind: ClassVar[str] = "announcer.named"
    user_id: int
    display_name: str
    email: str
    department_id: int
    department: str


@fact
class AnnouncerRemoved(_Noted):
    kind: ClassVar[str] = "announcer.removed"
    user_id: int
    display_name: str
    email: str
    department_id: int
    department: str


@fact
class AnnouncementCommentRemoved(_Noted):
    kind: ClassVar[str] = "announcement.comment_removed"
    announcement_id: int
    comment_id: int
    author_id: int


audited(AnnouncerNamed.kind, AnnouncerRemoved.kind, AnnouncementCommentRemoved.kind)
