"""Two server processes on loopback sharing PostgreSQL and Redis, as the
Procfile runs them; a module needing more of them (an S3 bucket) overrides
``cluster_settings`` and asks for the original inside."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from server.settings import Settings
from tests.support.backends import check_redis, clean_postgres, prepare_postgres, settings_for
from tests.support.clients import Company, make_company
from tests.support.servers import Node


@pytest.fixture
async def cluster_settings(tmp_path: Path) -> Settings:
    await prepare_postgres()
    await clean_postgres()
    await check_redis()
    return settings_for("postgres", tmp_path)


@pytest.fixture
async def nodes(cluster_settings: Settings) -> AsyncIterator[list[Node]]:
    started = [Node(cluster_settings) for _ in range(2)]
    try:
        for node in started:
            await node.start()
        yield started
    finally:
        for node in started:
            await node.kill()


@pytest.fixture
async def company(nodes: list[Node]) -> AsyncIterator[Company]:
    company = await make_company(nodes[0].running)
    yield company
    await company.close()
