"""Deadlines, scaled by one factor from the environment (TIMEOUT_FACTOR) for slow machines."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Awaitable, Callable

FACTOR = float(os.environ.get("TIMEOUT_FACTOR", "1"))


def deadline(seconds: float) -> float:
    return seconds * FACTOR


async def wait_for(
    condition: Callable[[], bool | Awaitable[bool]], seconds: float = 10, what: str = "condition"
) -> None:
    """Poll ``condition`` until true; fail with ``what`` after the (scaled) deadline."""
    end = time.monotonic() + deadline(seconds)
    while True:
        result = condition()
        if not isinstance(result, bool):
            result = await result
        if result:
            return
        if time.monotonic() > end:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)
