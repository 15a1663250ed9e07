"""Passwords: hashed with argon2 off the event loop (a hash costs tens of
milliseconds of CPU: on the loop it would hold up every live delivery), and
refused when they are among those guessed first.

Strength is judged by zxcvbn, which ships its lists of common passwords, names
and words: a password it scores 0 or 1 ("too guessable": ``password``,
``12345678``, one's own email) is refused with ``weak_password``. Clients show
the reason in the person's language.
"""

from __future__ import annotations

import asyncio

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from zxcvbn import zxcvbn

from core.errors import InvalidError

# How costly a new hash is: "standard" (argon2's default, RFC 9106's low-memory
# profile: tens of milliseconds and 64 MiB) or "minimal" (argon2's cheapest
# parameters, for test suites that create thousands of accounts; never for a
# company's passwords). A hash carries its own parameters, so hashes made under
# one cost verify under the other.
COSTS = {"standard": profiles.RFC_9106_LOW_MEMORY, "minimal": profiles.CHEAPEST}
_hasher = PasswordHasher.from_parameters(COSTS["standard"])
# Verified against when there is no account, so a miss costs what a wrong
# password costs and timing does not tell which emails have accounts.
_DUMMY_HASH = _hasher.hash("not-a-real-password")


def set_cost(cost: str) -> None:
    """Use the cost named ``cost`` for new hashes (and the dummy one) from now on."""
    global _hasher, _DUMMY_HASH
    if cost not in COSTS:
        raise ValueError(f"unknown password hash cost {cost!r}: one of {', '.join(COSTS)}")
    if (_hasher.time_cost, _hasher.memory_cost) == (COSTS[cost].time_cost, COSTS[cost].memory_cost):
        return
    _hasher = PasswordHasher.from_parameters(COSTS[cost])
    _DUMMY_HASH = _hasher.hash("not-a-real-password")


class WeakPasswordError(InvalidError):
    code = "weak_password"


class WrongPasswordError(InvalidError):
    """The current password given to change it is not right (a 400, not a 401:
    the session that asked is fine)."""

    code = "wrong_password"


def _verify(stored: str, password: str) -> bool:
    try:
        return _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


async def hash_password(password: str) -> str:
    return await asyncio.to_thread(_hasher.hash, password)


async def password_ok(stored: str | None, password: str) -> bool:
    """Whether ``password`` is the one ``stored``; as slow when nothing is stored."""
    matches = await asyncio.to_thread(_verify, stored or _DUMMY_HASH, password)
    return matches and stored is not None


def _score(password: str, hints: list[str]) -> int:
    score: int = zxcvbn(password, user_inputs=hints)["score"]
    return score


async def require_strong(password: str, *hints: str) -> None:
    """Refuse a password that would be guessed early (``hints``: the person's own
    email and name, which make a password weak too)."""
    words = [h for hint in hints if hint for h in (hint, *hint.replace("@", " ").split())]
    if await asyncio.to_thread(_score, password[:100], words) < 2:
        raise WeakPasswordError(
            "this password is too easy to guess (a common password, a name, or your "
            "email): choose a longer one, a few unrelated words for example"
        )
