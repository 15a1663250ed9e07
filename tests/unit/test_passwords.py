"""Password hashes: the standard cost is argon2id's RFC 9106 low-memory
profile; the minimal cost (for test suites) makes real argon2id hashes too,
and a hash made under either cost verifies under the other."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from argon2 import extract_parameters, profiles

from org import passwords


@pytest.fixture
def restore_cost() -> Iterator[None]:
    before = passwords._hasher.time_cost, passwords._hasher.memory_cost
    yield
    passwords.set_cost("standard" if before == (3, 65536) else "minimal")


async def test_the_standard_cost_is_rfc_9106_and_either_cost_verifies_the_other(
    restore_cost: None,
) -> None:
    passwords.set_cost("standard")
    strong = await passwords.hash_password("correct horse")
    assert extract_parameters(strong) == profiles.RFC_9106_LOW_MEMORY
    passwords.set_cost("minimal")
    cheap = await passwords.hash_password("correct horse")
    assert cheap.startswith("$argon2id$") and extract_parameters(cheap) == profiles.CHEAPEST
    for stored in (strong, cheap):
        assert await passwords.password_ok(stored, "correct horse")
        assert not await passwords.password_ok(stored, "wrong horse")
    passwords.set_cost("standard")
    assert await passwords.password_ok(cheap, "correct horse")
    assert not await passwords.password_ok(None, "correct horse")


def test_an_unknown_cost_is_refused(restore_cost: None) -> None:
    with pytest.raises(ValueError, match="unknown password hash cost"):
        passwords.set_cost("none")
