"""The event kinds notify owns, in a person's own stream (``personal`` frames),
so that every device of theirs shows the same notifications at once.

- ``notification.added``   ``{"notification": Notification, "unread_count": 4}``
- ``notification.updated`` ``{"notification": Notification, "unread_count": 4}``:
  an aggregated like (another liker, a new count): show it in place of the
  one with its id, at the top
- ``notification.read``    ``{"ids": [3, 9], "all": false, "unread_count": 2}``:
  read on some device (``all``: every one before this event)
- ``notification.removed`` ``{"ids": [3], "unread_count": 1}``: its post or
  comment was deleted

``unread_count`` is one's unread notifications after the event, for the badge.
A notification's text (``excerpt``) follows its post: an edit rewrites it in
every earlier event, a delete empties it there (org/stream.py keeps events
indexed by the post they are about), so no replay shows what was taken back.
"""

from __future__ import annotations

from typing import ClassVar

from notify.models import NotificationPublic
from streams.catalogue import Fact, fact

ABOUT_TEXT = ("notification.added", "notification.updated")  # the kinds carrying an excerpt


class _Mine(Fact):
    stream: ClassVar[str] = "person"


class _Carries(_Mine):
    notification: NotificationPublic
    unread_count: int

    def subject(self) -> int | None:
        return self.notification.post_id


@fact
class NotificationAdded(_Carries):
    kind: ClassVar[str] = "notification.added"


@fact
class NotificationUpdated(_Carries):
    kind: ClassVar[str] = "notification.updated"


@fact
class NotificationsRead(_Mine):
    kind: ClassVar[str] = "notification.read"
    ids: list[int]
    all: bool
    unread_count: int


@fact
class NotificationsRemoved(_Mine):
    kind: ClassVar[str] = "notification.removed"
    ids: list[int]
    unread_count: int
