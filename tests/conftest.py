"""Fixtures: a real server on each backend, and a seeded company in it."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings

from server.settings import Settings
from tests.support.backends import check_redis, clean_postgres, prepare_postgres, settings_for
from tests.support.clients import Company, make_company
from tests.support.servers import Running, describe, serve, server_errors

# Shared machines are noisy: examples are judged by what they find, not by how
# long one took.
hypothesis_settings.register_profile("kaisha", deadline=None)
hypothesis_settings.load_profile("kaisha")

# Servers the tests start in other processes (browser tests, nodes) hash
# passwords as cheaply as the in-process ones (tests/support/backends.py).
os.environ.setdefault("PASSWORD_HASH_COST", "minimal")

_pg_ready = False

# Modules that take minutes: run first, so that on two workers neither ends the
# run alone while the other worker waits (xdist hands out modules in this order).
_LONG_FIRST = ("tests/integration/test_openapi.py",)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=lambda item: not item.nodeid.startswith(_LONG_FIRST))


@pytest.fixture(params=["sqlite", "postgres"])
async def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    """Settings for a fresh, empty backend: SQLite + in-process bus, or PostgreSQL + Redis."""
    global _pg_ready
    backend: str = request.param
    if backend == "postgres":
        if not _pg_ready:
            await prepare_postgres()
            _pg_ready = True
        await clean_postgres()
        await check_redis()
    return settings_for(backend, tmp_path)


@pytest.fixture
async def server(settings: Settings) -> AsyncIterator[Running]:
    """A server for the test; it must log no error while the test uses it (a
    client's bad input is not a server error; a 500 is)."""
    with server_errors() as errors:
        async with serve(settings) as running:
            yield running
    assert not errors, describe(errors)


@pytest.fixture
async def company(server: Running) -> AsyncIterator[Company]:
    company = await make_company(server)
    yield company
    await company.close()
