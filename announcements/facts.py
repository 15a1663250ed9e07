"""The event kinds announcements own, in a person's own stream (``personal``
frames): what each recipient's devices show at once.

- ``announcement.published`` ``{"announcement": Announcement}``: one is among
  its audience (published now, or by the scheduling job): pin it if it is
  must-read and not confirmed
- ``announcement.updated``   ``{"announcement": Announcement}``: edited
  (``updated`` true); ``confirmed`` false again when the author asked again
- ``announcement.confirmed`` ``{"announcement_id": 4, "round": 1}``: one
  confirmed it (on this device or another): unpin it

Who stops being in an announcement's audience (moved to another department)
hears ``account.updated`` (org/facts.py) and asks again: announcements are
read by the audience as it is now.
"""

from __future__ import annotations

from typing import ClassVar

from announcements.models import AnnouncementPublic
from streams.catalogue import Fact, fact


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
