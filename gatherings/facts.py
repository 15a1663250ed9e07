"""The event kinds of gatherings.

In a channel's stream (an event of that channel, seen by its readers):

- ``gathering.updated`` ``{"gathering": Gathering}``: created, edited,
  cancelled, or its counts changed (someone answered): the event as it is now.

In a person's stream (a company-wide event, seen by everyone: one event in
each active person's stream):

- ``gathering.changed`` ``{"gathering": Gathering}``: the same, for an event
  that belongs to no channel.

Who answered what is not in them (the page lists it, asked for again): an
answer is one's own news, and a client shows the counts moving.
"""

from __future__ import annotations

from typing import ClassVar

from gatherings.models import GatheringData
from streams.catalogue import Fact, fact


@fact
class GatheringUpdated(Fact):
    kind: ClassVar[str] = "gathering.updated"
    stream: ClassVar[str] = "channel"
    gathering: GatheringData


@fact
class GatheringChanged(Fact):
    kind: ClassVar[str] = "gathering.changed"
    stream: ClassVar[str] = "person"
    gathering: GatheringData
