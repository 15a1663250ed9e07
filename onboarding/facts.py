"""The event kinds onboarding owns, in a person's own stream (``personal``
frames): the newcomer and each of their mentors see the same at once.

- ``mentors.updated`` ``{"newcomer": Person, "mentors": [Person], "checklist":
  Checklist}``: a newcomer's mentors changed; sent to the newcomer and to
  every mentor added or removed (one removed no longer finds themself in
  ``mentors``: the newcomer leaves their "My newcomers")
- ``checklist.updated`` ``{"newcomer_id": 12, "checklist": Checklist}``: a
  newcomer's checklist changed (an item ticked, by them or by what they did;
  an item added or removed by an admin); sent to the newcomer and their mentors
"""

from __future__ import annotations

from typing import ClassVar

from channels.models import PersonRef
from onboarding.models import Checklist
from streams.catalogue import Fact, fact


class _Mine(Fact):
    stream: ClassVar[str] = "person"


@fact
class MentorsUpdated(_Mine):
    kind: ClassVar[str] = "mentors.updated"
    newcomer: PersonRef
    mentors: list[PersonRef]
    checklist: Checklist


@fact
class ChecklistUpdated(_Mine):
    kind: ClassVar[str] = "checklist.updated"
    newcomer_id: int
    checklist: Checklist
