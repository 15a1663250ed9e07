"""Background jobs stop between rounds: closing lets a running round finish
(its transaction ends and its connection goes back) and cancels only one that
outlasts ``FINISH_SECONDS`` (server/periodic.py)."""

from __future__ import annotations

import asyncio

from server.periodic import Periodic


class _Job(Periodic):
    name = "test-job"
    at_start = True

    def __init__(self, seconds: float) -> None:
        super().__init__()
        self.seconds = seconds
        self.started = asyncio.Event()
        self.finished = 0
        self.rounds = 0

    async def run_once(self) -> int:
        self.rounds += 1
        self.started.set()
        await asyncio.sleep(self.seconds)
        self.finished += 1
        return 1


async def test_closing_lets_a_running_round_finish_and_starts_no_other() -> None:
    job = _Job(0.2)
    job.start(interval=0.01)
    await job.started.wait()
    await job.close()
    assert job.finished == 1 and job.rounds == 1


async def test_a_round_that_outlasts_the_limit_is_cancelled() -> None:
    job = _Job(60)
    job.FINISH_SECONDS = 0.1
    job.start(interval=0.01)
    await job.started.wait()
    await asyncio.wait_for(job.close(), 5)
    assert job.finished == 0


async def test_a_job_closed_while_it_waits_stops_at_once() -> None:
    job = _Job(0)
    job.at_start = False
    job.start(interval=60)
    await asyncio.wait_for(job.close(), 5)
    assert job.rounds == 0
