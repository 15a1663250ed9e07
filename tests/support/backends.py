"""The two backends every integration test runs against: SQLite + in-process bus,
and PostgreSQL + Redis. A test that cannot reach a service fails; it never skips."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import os
import secrets
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import redis.asyncio as redis

from server.db import Database
from server.settings import Settings

PG_ADMIN_DSN = "postgresql://postgres@127.0.0.1:5432/test"
# Its own database per checkout when several suites run on one machine at once,
# and per worker when one suite runs in parallel (each truncates its tables
# between tests).
_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
PG_DATABASE = os.environ.get("KAISHA_TEST_DB", "kaisha_test") + (f"_{_WORKER}" if _WORKER else "")
PG_URL = f"postgresql+asyncpg://postgres@127.0.0.1:5432/{PG_DATABASE}"
REDIS_URL = "redis://127.0.0.1:6379/0"
ADMIN_EMAIL = "admin@example.com"
ADMIN_PASSWORD = "correct-horse-battery"

TABLES = (
    "survey_pool, survey_respondent, survey_option, survey_question, survey_department, "
    "survey_maker, survey, "
    "analytics_use, analytics_link, analytics_search, analytics_state, "
    "audit_entry, sanction, report, "
    "terms_acceptance, terms_version, word_list, "
    "person_event, person_block, channel_event, post_like, attachment, company_setting, "
    "calendar_feed, rsvp, gathering, question, "
    "poll_vote, poll_option, poll, "
    "channel_retention, "
    "announcement_comment, announcement_read, announcement_department, announcer, announcement, "
    "read_position, "
    "post_search, post, "
    "membership, channel, invite, api_token, "
    "password_reset, mentorship, checklist_tick, checklist_item, "
    "auth_session, "
    "login_failure, account, department"
)


async def prepare_postgres() -> None:
    """Create the test database once and bring it to the newest migration."""
    conn = await asyncpg.connect(PG_ADMIN_DSN)
    try:
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", PG_DATABASE)
        if not exists:
            await conn.execute(f'CREATE DATABASE "{PG_DATABASE}"')
    finally:
        await conn.close()
    db = Database(PG_URL)
    try:
        await db.migrate()
    finally:
        await db.close()


@contextlib.asynccontextmanager
async def fresh_database(settings: Settings) -> AsyncIterator[str]:
    """An empty database of the settings' backend (for migration tests): a new
    SQLite file beside the settings' one, or a new PostgreSQL database, dropped
    after."""
    if settings.is_sqlite:
        yield settings.database_url.replace(".db", f"-{secrets.token_hex(4)}.db")
        return
    name = f"kaisha_fresh_{secrets.token_hex(4)}"
    admin = await asyncpg.connect(PG_ADMIN_DSN)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        yield PG_URL.rsplit("/", 1)[0] + "/" + name
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def clean_postgres() -> None:
    conn = await asyncpg.connect(PG_URL.replace("+asyncpg", ""))
    try:
        await conn.execute(f"TRUNCATE {TABLES} RESTART IDENTITY CASCADE")
    finally:
        await conn.close()


async def check_redis() -> None:
    client = redis.Redis.from_url(REDIS_URL)
    try:
        await asyncio.wait_for(client.ping(), 5)
    finally:
        await client.aclose()


def settings_for(backend: str, tmp_path: Path, **overrides: object) -> Settings:
    base = Settings(
        admin_email=ADMIN_EMAIL,
        admin_password=ADMIN_PASSWORD,
        bus_prefix="t" + secrets.token_hex(4),
        heal_interval=0.5,
        # Tests write faster than people do; the limits' own tests lower these.
        http_write_rate=10_000,
        http_write_burst=10_000,
        person_frame_rate=10_000,
        person_frame_burst=10_000,
        max_sockets_per_person=1000,
        files_dir=tmp_path / "files",
        # Thousands of accounts are made and signed in: argon2's cheapest
        # parameters (tests/unit/test_passwords.py checks the standard cost).
        password_hash_cost="minimal",
    )
    if backend == "sqlite":
        base = dataclasses.replace(base, database_url=f"sqlite+aiosqlite:///{tmp_path}/kaisha.db")
    else:
        base = dataclasses.replace(base, database_url=PG_URL, redis_url=REDIS_URL)
    return dataclasses.replace(base, **overrides)  # type: ignore[arg-type]
