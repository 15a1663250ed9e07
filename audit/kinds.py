"""The kinds of org, words and channels that are audited: every admin action
on accounts, departments, invitations, password links and settings, sign-ins
made and failed, exports, who joins or leaves a private group, the terms of
use published and accepted, the word list changed and a warning overridden.
Packages above declare their own where they define them (moderation/facts.py,
onboarding/facts.py)."""

from __future__ import annotations

from typing import Any, ClassVar

from sqlmodel import select

from audit.registry import Draft, audited, person_label
from channels.facts import MemberJoined, MemberLeft
from channels.models import Channel
from org.facts import (
    AccountChanged,
    AccountCreated,
    DepartmentChanged,
    DepartmentCreated,
    DepartmentDeleted,
    DepartmentMerged,
    InviteCreated,
    InviteRevoked,
    PeopleExported,
    PeopleImported,
    ResetLinkCreated,
    SettingChanged,
    SignedIn,
    SignInFailed,
)
from org.terms import TermsAccepted, TermsPublished
from streams.catalogue import NOTE, Fact, fact
from streams.unit import Appended, Unit
from words.facts import WordcheckOverridden, WordlistChanged


@fact
class AuditExported(Fact):
    """The audit log itself was exported (what was asked for)."""

    kind: ClassVar[str] = "audit.exported"
    stream: ClassVar[str] = NOTE
    filters: dict[str, Any]
    rows: int


audited(
    AuditExported.kind,
    AccountChanged.kind,
    AccountCreated.kind,
    DepartmentChanged.kind,
    DepartmentCreated.kind,
    DepartmentDeleted.kind,
    DepartmentMerged.kind,
    InviteCreated.kind,
    InviteRevoked.kind,
    PeopleExported.kind,
    PeopleImported.kind,
    ResetLinkCreated.kind,
    SettingChanged.kind,
    SignInFailed.kind,
)


async def _signed_in(unit: Unit, item: Appended) -> Draft:
    """A sign-in's actor is the person signing in."""
    data = item.event.data
    return Draft(
        target_type="person",
        target_id=data["user_id"],
        target_label=person_label(data["display_name"], data["email"]),
        subject_id=data["user_id"],
        actor_id=data["user_id"],
        details={"address": data["address"]},
    )


audited(SignedIn.kind, describe=_signed_in)


async def _private_membership(unit: Unit, item: Appended) -> Draft | None:
    """Joining or leaving a private group (not a department, not an open group)."""
    found = (
        await unit.db.exec(
            select(Channel.name, Channel.kind, Channel.is_private).where(
                Channel.id == item.event.key
            )
        )
    ).first()
    if found is None or found[1] != "group" or not found[2]:
        return None
    person = item.event.data["user"]
    return Draft(
        target_type="channel",
        target_id=item.event.key,
        target_label=found[0],
        subject_id=person["id"],
        details={"person_id": person["id"], "person": person["display_name"]},
    )


audited(MemberJoined.kind, MemberLeft.kind, describe=_private_membership)


async def _terms_published(unit: Unit, item: Appended) -> Draft | None:
    """Publishing tells every active person (an event in each one's stream):
    one entry, from the publishing admin's own."""
    if item.event.key != item.actor_id:
        return None
    version = item.event.data["version"]
    return Draft(target_type="terms", target_id=version, target_label=f"v{version}")


async def _word_list(unit: Unit, item: Appended) -> Draft:
    return Draft(
        target_type="setting",
        target_id="word_list",
        target_label="word_list",
        details=dict(item.event.data),
    )


audited(TermsPublished.kind, describe=_terms_published)
audited(TermsAccepted.kind, WordcheckOverridden.kind)
audited(WordlistChanged.kind, describe=_word_list)
