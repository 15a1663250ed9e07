"""The event kinds surveys own.

In a person's own stream (``personal`` frames):

- ``survey.answered`` ``{"survey_id": 3, "respondents": 12}``: someone
  answered survey 3. Sent to the one who answered (``respondents`` null: they
  are not told how many others did), so their other devices take it off
  their list, and to its author and every admin with the new count, so the
  results page moves live. It never says who answered.

And noted kinds (no stream keeps them) for the audit log: an admin allowed
someone to make surveys, or took it back; a survey was made (by whom, for
whom, anonymous or not).
"""

from __future__ import annotations

from typing import ClassVar

from audit.registry import Draft, audited
from streams.catalogue import NOTE, Fact, fact
from streams.unit import Appended, Unit


class _Mine(Fact):
    stream: ClassVar[str] = "person"


@fact
class SurveyAnswered(_Mine):
    kind: ClassVar[str] = "survey.answered"
    survey_id: int
    respondents: int | None


class _Noted(Fact):
    stream: ClassVar[str] = NOTE


@fact
class SurveyMakerGranted(_Noted):
    kind: ClassVar[str] = "survey_maker.granted"
    user_id: int
    display_name: str


@fact
class SurveyMakerRevoked(_Noted):
    kind: ClassVar[str] = "survey_maker.revoked"
    user_id: int
    display_name: str


@fact
class SurveyCreated(_Noted):
    kind: ClassVar[str] = "survey.created"
    survey_id: int
    title: str
    anonymous: bool
    audience: str
    template: str | None


async def _survey(unit: Unit, item: Appended) -> Draft:
    data = item.event.data
    return Draft(
        target_type="survey",
        target_id=data["survey_id"],
        target_label=data["title"],
        details={k: v for k, v in data.items() if k not in ("survey_id", "title")},
    )


audited(SurveyMakerGranted.kind, SurveyMakerRevoked.kind)
audited(SurveyCreated.kind, describe=_survey)
