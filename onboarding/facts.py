"""The event kinds onboarding owns, in a person's own stream (``personal``
frames): the newcomer and each of their mentors see the same at once.

- ``mentors.updated`` ``{"newcomer": Person, "mentors": [Person], "checklist":
  Checklist}``: a newcomer's mentors changed; sent to the newcomer and to
  every mentor added or removed (one removed no longer finds themself in
  ``mentors``: the newcomer leaves their "My newcomers")
- ``checklist.updated`` ``{"newcomer_id": 12, "checklist": Checklist}``: a
  newcomer's checklist changed (an item ticked, by them or by what they did;
  an item added or removed by an admin); sent to the newcomer and their mentors

And two noted kinds (no stream keeps them) for the audit log: an admin added
or removed a checklist item. Choosing mentors is audited from
``mentors.updated``, once: the event in the newcomer's own stream.
"""

from __future__ import annotations

from typing import ClassVar

from audit.registry import Draft, audited, person_label
from channels.models import PersonRef
from onboarding.models import Checklist
from streams.catalogue import NOTE, Fact, fact
from streams.unit import Appended, Unit


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


class _Noted(Fact):
    stream: ClassVar[str] = NOTE


@fact
class ChecklistItemAdded(_Noted):
    kind: ClassVar[str] = "checklist_item.added"
    item_id: int
    department_id: int | None
    title: str
    item_kind: str


@fact
class ChecklistItemRemoved(_Noted):
    kind: ClassVar[str] = "checklist_item.removed"
    item_id: int
    department_id: int | None
    title: str


async def _mentors_chosen(unit: Unit, item: Appended) -> Draft | None:
    """One entry for an admin's choice: the event in the newcomer's stream
    (their mentors' streams get the same)."""
    data = item.event.data
    newcomer = data["newcomer"]
    if item.event.key != newcomer["id"]:
        return None
    return Draft(
        target_type="person",
        target_id=newcomer["id"],
        target_label=person_label(newcomer["display_name"], None),
        subject_id=newcomer["id"],
        new={"mentors": [m["display_name"] for m in data["mentors"]]},
    )


async def _checklist_item(unit: Unit, item: Appended) -> Draft:
    data = item.event.data
    return Draft(
        target_type="checklist_item",
        target_id=data["item_id"],
        target_label=data["title"],
        details={k: v for k, v in data.items() if k not in ("item_id", "title")},
    )


audited(MentorsUpdated.kind, describe=_mentors_chosen)
audited(ChecklistItemAdded.kind, ChecklistItemRemoved.kind, describe=_checklist_item)
