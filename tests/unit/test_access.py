"""The channel-kind policies, without a database: who may read and do what."""

from __future__ import annotations

from dataclasses import replace

import pytest

from channels.access import POLICIES, Viewer, can_read, capabilities


def _viewer(*, member: bool, private: bool, creator: bool = False, admin: bool = False) -> Viewer:
    return Viewer(
        is_member=member,
        is_creator=creator,
        is_admin=admin,
        can_moderate=admin,
        is_private=private,
    )


@pytest.mark.parametrize("kind", ["department", "group"])
@pytest.mark.parametrize(
    ("is_private", "is_member", "visible"),
    [(False, False, True), (False, True, True), (True, True, True), (True, False, False)],
)
def test_private_channels_exist_only_for_their_members(
    kind: str, is_private: bool, is_member: bool, visible: bool
) -> None:
    assert can_read(kind, _viewer(member=is_member, private=is_private)) is visible


def test_department_channels_are_not_joined_left_or_edited_by_hand() -> None:
    policy = POLICIES["department"]
    for member in (False, True):
        for admin in (False, True):
            can = capabilities(policy, _viewer(member=member, private=False, admin=admin))
            assert not (can.can_join or can.can_leave or can.can_invite or can.can_edit)
            assert can.can_post is member


def test_public_group_outsiders_may_join_and_members_may_leave_and_invite() -> None:
    policy = POLICIES["group"]
    outsider = capabilities(policy, _viewer(member=False, private=False))
    assert outsider.can_join and not (outsider.can_post or outsider.can_leave)
    member = capabilities(policy, _viewer(member=True, private=False))
    assert member.can_post and member.can_leave and member.can_invite and not member.can_join


def test_private_group_is_entered_by_invitation_only() -> None:
    outsider = capabilities(POLICIES["group"], _viewer(member=False, private=True))
    assert not outsider.can_join


def test_groups_are_edited_by_their_creator_or_an_admin() -> None:
    policy = POLICIES["group"]
    assert capabilities(policy, _viewer(member=True, private=False, creator=True)).can_edit
    assert capabilities(policy, _viewer(member=False, private=False, admin=True)).can_edit
    assert not capabilities(policy, _viewer(member=True, private=False)).can_edit


@pytest.mark.parametrize("kind", ["department", "group"])
@pytest.mark.parametrize("private", [False, True])
def test_an_archived_channel_is_read_as_before_and_changed_by_nobody(
    kind: str, private: bool
) -> None:
    for member in (False, True):
        for admin in (False, True):
            live = _viewer(member=member, private=private, creator=True, admin=admin)
            archived = replace(live, is_archived=True)
            assert can_read(kind, archived) is can_read(kind, live)
            can = capabilities(POLICIES[kind], archived)
            assert not any(can.model_dump().values()), (kind, private, member, admin)
    # Not a rule that refuses everything anyway.
    assert capabilities(POLICIES[kind], _viewer(member=True, private=private)).can_post
