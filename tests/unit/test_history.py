"""The history read path's own pieces, without a database."""

from __future__ import annotations

import pytest

from channels.access import can_read
from channels.history import may_read
from channels.models import Channel


@pytest.mark.parametrize("is_private", [False, True])
@pytest.mark.parametrize("is_member", [False, True])
def test_page_access_rule_is_the_access_helpers_rule(is_private: bool, is_member: bool) -> None:
    channel = Channel(kind="group", name="g", epoch="e", is_private=is_private)
    assert may_read(is_private=is_private, is_member=is_member) == can_read(channel, is_member)
