"""The read rule every channel read goes through, without a database."""

from __future__ import annotations

import pytest

from channels.access import can_read


@pytest.mark.parametrize(
    ("is_private", "is_member", "visible"),
    [(False, False, True), (False, True, True), (True, True, True), (True, False, False)],
)
def test_private_channels_exist_only_for_their_members(
    is_private: bool, is_member: bool, visible: bool
) -> None:
    assert can_read(is_private=is_private, is_member=is_member) is visible
