"""The kinds of org, words and channels that are audited: every admin action
on accounts, departments, invitations, password links and settings, sign-ins
made and failed, exports, who joins or leaves a private group, the terms of
use published and accepted, the word list changed and a warning overridden,
a post or comment edited or deleted by someone other than its author (a
moderator or an admin, through the ordinary routes as much as through the
moderators' queue) and a group changed by someone other than its creator (an
admin). Packages above declare their own where they define them
(moderation/facts.py, onboarding/facts.py)."""

from __future__ import annotations

from typing import Any, ClassVar

from sqlmodel import col, select

from audit.registry import Draft, audited, person_label
from channels.facts import (
    ChannelUpdated,
    CommentDeleted,
    CommentEdited,
    MemberJoined,
    MemberLeft,
    PostDeleted,
    PostEdited,
)
from channels.models import Channel, ChannelKind, Post
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
from org.models import User
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


async def _someone_elses_content(unit: Unit, item: Appended) -> Draft | None:
    """A post or comment edited or deleted by someone other than its author:
    only a moderator or an admin may (channels/access.py,
    ``require_author_or_moderator``), whichever route they took. Authors
    changing their own, and deletions nobody made (retention), are not
    audited. The entry names whose content it was, never what it said; an
    anonymous post's author stays unnamed."""
    if item.actor_id is None:
        return None
    post_id = item.event.data.get("post_id") or item.event.data["post"]["id"]
    found = (
        await unit.db.exec(
            select(Post.author_id, Post.parent_id, Post.anonymous, Channel.name)
            .join(Channel, col(Channel.id) == col(Post.channel_id))
            .where(Post.id == post_id)
        )
    ).first()
    if found is None or found[0] == item.actor_id:
        return None
    author_id, parent_id, anonymous, channel = found
    author = (
        await unit.db.exec(select(User.display_name, User.email).where(User.id == author_id))
    ).one()
    details: dict[str, Any] = {"channel_id": item.event.key, "channel": channel}
    if parent_id is not None:
        details["post_id"] = parent_id  # the comment's post
    if anonymous:
        details["anonymous"] = True
    return Draft(
        target_type="comment" if parent_id is not None else "post",
        target_id=post_id,
        # Whose it was, as they are named now; an anonymous post's stays unsaid.
        target_label="—" if anonymous else person_label(*author),
        subject_id=None if anonymous else author_id,
        details=details,
    )


async def _group_changed_by_admin(unit: Unit, item: Appended) -> Draft | None:
    """A group renamed or described by someone other than its creator (an
    admin: channels/access.py, ``creator_or_admin``). A department's channel
    changes with its department (audited as ``department.*``); a
    conversation's name follows its people."""
    if item.actor_id is None:
        return None
    found = (
        await unit.db.exec(
            select(Channel.kind, Channel.created_by).where(Channel.id == item.event.key)
        )
    ).first()
    if found is None:
        return None
    kind, creator = found
    if kind != ChannelKind.group.value or creator == item.actor_id:
        return None
    data = item.event.data
    return Draft(
        target_type="channel",
        target_id=item.event.key,
        target_label=data["name"],
        subject_id=creator,
        new={k: data[k] for k in ("name", "description", "qa", "archived") if k in data},
        details={"creator_id": creator} if creator is not None else {},
    )


audited(
    PostEdited.kind,
    CommentEdited.kind,
    PostDeleted.kind,
    CommentDeleted.kind,
    describe=_someone_elses_content,
)
audited(ChannelUpdated.kind, describe=_group_changed_by_admin)
