"""Migrations on data written before them, on both databases. 0005: existing
department channels become closed (groups keep their choice), existing people
get their search and sort forms, and nothing else changes. 0009: existing live
posts and comments are in the search index. 0011: existing people get mention
mail (on) and no language yet. 0012: channels and memberships stay as they
were (no pair key, the whole history), nobody is blocked. 0013: everyone
already there counts as welcomed, and their start date gets its newcomer
period. 0016: existing people have accepted no terms, and none are in force.
0017: nobody is muted, suspended or hidden, and notifications stay. 0019: no
announcements yet, and a deleted department leaves their audiences. 0020: events
arrive empty and take rows. 0021:
existing posts carry no poll, and a poll can be written on one after. 0022: the
survey tables come empty. 0023: the analytics job's first round counts what was
there before. 0024: no channel has a retention. 0025: notifications written
before it name no subject, and keep their indexes. 0026: announcements already
there keep their comments open and carry no files; files stay where they were."""

from __future__ import annotations

import json
import secrets
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta

import asyncpg
import pytest
from alembic import command
from sqlalchemy import text
from sqlalchemy.engine import Connection

from channels import search
from core.text import search_text, sort_key
from org import terms
from org.models import User
from server.db import Database, alembic_config
from server.settings import Settings
from tests.support.backends import PG_ADMIN_DSN
from words import lists


def _upgrade_to(connection: Connection, revision: str) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


@pytest.fixture
async def scratch(settings: Settings) -> AsyncIterator[Database]:
    """An empty database of the backend's kind, dropped afterwards."""
    if settings.is_sqlite:
        db = Database(settings.database_url.replace("kaisha.db", "scratch.db"))
        yield db
        await db.close()
        return
    name = "kaisha_scratch_" + secrets.token_hex(4)
    admin = await asyncpg.connect(PG_ADMIN_DSN)
    await admin.execute(f'CREATE DATABASE "{name}"')
    db = Database(f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}")
    try:
        yield db
    finally:
        await db.close()
        await admin.execute(f'DROP DATABASE "{name}"')
        await admin.close()


async def test_0005_closes_department_channels_and_fills_search_forms(scratch: Database) -> None:
    async with scratch.engine.begin() as conn:
        await conn.run_sync(_upgrade_to, "0003")
        now = datetime(2026, 1, 1, tzinfo=UTC)
        await conn.execute(
            text("INSERT INTO department (id, name, created_at) VALUES (1, '営業部', :now)"),
            {"now": now},
        )
        await conn.execute(
            text(
                "INSERT INTO account (id, email, display_name, department_id, role, is_active,"
                " created_at, stream_epoch, stream_seq) VALUES"
                " (1, 'a@example.com', 'スズキ', 1, 'member', TRUE, :now, 'e', 0),"
                " (2, 'b@example.com', 'Ｂｏｂ Smith', NULL, 'admin', TRUE, :now, 'e', 0)"
            ),
            {"now": now},
        )
        await conn.execute(
            text(
                "INSERT INTO channel (id, kind, name, description, is_private, department_id,"
                " epoch, last_seq, created_at) VALUES"
                " (1, 'department', '営業部', '', FALSE, 1, 'e', 0, :now),"
                " (2, 'group', 'Go club', '', FALSE, NULL, 'e', 0, :now),"
                " (3, 'group', 'Secret', '', TRUE, NULL, 'e', 0, :now)"
            ),
            {"now": now},
        )
        await conn.execute(
            text(
                "INSERT INTO post (id, channel_id, author_id, body, created_at, like_count,"
                " comment_count) VALUES (1, 2, 1, 'before files', :now, 0, 0)"
            ),
            {"now": now},
        )
    await scratch.migrate()
    async with scratch.engine.connect() as conn:
        channels = (
            await conn.execute(text("SELECT id, is_private, archived_at FROM channel ORDER BY id"))
        ).all()
        assert [(i, bool(p), a) for i, p, a in channels] == [
            (1, True, None),
            (2, False, None),
            (3, True, None),
        ]
        people = (
            await conn.execute(
                text(
                    "SELECT id, display_name, reading, bio, start_date, search_text, sort_key"
                    " FROM account ORDER BY id"
                )
            )
        ).all()
        for _, name, reading, bio, start, found_by, listed_by in people:
            assert (reading, bio, start) == ("", "", None)
            assert (found_by, listed_by) == (search_text(name), sort_key(name))
        assert people[0].search_text == "すずき\nsuzuki"
        assert people[1].sort_key == "bobsmith"
        # 0006 moved the (no) account links into password_reset; 0007 gave every
        # post written before it an empty list of files.
        assert (await conn.execute(text("SELECT count(*) FROM password_reset"))).scalar_one() == 0
        files = (await conn.execute(text("SELECT files FROM post"))).scalar_one()
        assert (json.loads(files) if isinstance(files, str) else files) == []


async def test_0009_indexes_the_posts_written_before_it(scratch: Database) -> None:
    """An upgraded installation finds its old posts and comments, and only the
    live ones: not a deleted post, nor a comment of one, nor what one may not
    read (a private group's)."""
    async with scratch.engine.begin() as conn:
        await conn.run_sync(_upgrade_to, "0008")
        now = datetime(2026, 1, 1, tzinfo=UTC)
        await conn.execute(
            text(
                "INSERT INTO account (id, email, display_name, role, is_active, created_at,"
                " stream_epoch, stream_seq, reading, bio, search_text, sort_key) VALUES"
                " (1, 'a@example.com', 'A', 'member', TRUE, :now, 'e', 0, '', '', 'a', 'a'),"
                " (2, 'b@example.com', 'B', 'member', TRUE, :now, 'e', 0, '', '', 'b', 'b')"
            ),
            {"now": now},
        )
        await conn.execute(
            text(
                "INSERT INTO channel (id, kind, name, description, is_private, epoch, last_seq,"
                " created_at) VALUES (1, 'group', 'Open', '', FALSE, 'e', 0, :now),"
                " (2, 'group', 'Secret', '', TRUE, 'e', 0, :now)"
            ),
            {"now": now},
        )
        await conn.execute(
            text(
                "INSERT INTO membership (channel_id, user_id, joined_at) VALUES"
                " (1, 1, :now), (1, 2, :now), (2, 2, :now)"
            ),
            {"now": now},
        )
        posts = [
            (1, 1, None, "経費精算のルール", None),
            (2, 1, None, "削除された経費", now),
            (3, 1, 1, "経費の質問です", None),
            (4, 1, 2, "消えた経費への返信", None),
            (5, 2, None, "秘密の経費", None),
            (6, 1, None, "", None),  # files only
            (7, 1, None, "ＡＰＩ and Meeting", None),
        ]
        for post_id, channel, parent, body, deleted in posts:
            await conn.execute(
                text(
                    "INSERT INTO post (id, channel_id, author_id, parent_id, body, created_at,"
                    " deleted_at, like_count, comment_count)"
                    " VALUES (:id, :channel, 1, :parent, :body, :now, :deleted, 0, 0)"
                ),
                {
                    "id": post_id,
                    "channel": channel,
                    "parent": parent,
                    "body": body,
                    "now": now,
                    "deleted": deleted,
                },
            )
    await scratch.migrate()
    async with scratch.reader() as session:
        a, b = await session.get(User, 1), await session.get(User, 2)
    assert a is not None and b is not None
    async with scratch.engine.connect() as conn:
        indexed = (await conn.execute(text("SELECT count(*) FROM post_search"))).scalar_one()
        assert indexed == 4  # 1, 3, 5 and 7

        async def found(user: User, q: str) -> list[int]:
            page = await search.search(conn, user, search.ask(q))
            return [r.post.id for r in page.results]

        assert await found(a, "経費") == [3, 1]
        assert await found(b, "経費") == [5, 3, 1]
        assert await found(a, "api meeting") == [7]


async def test_0011_gives_everyone_mention_mail_and_no_language_yet(scratch: Database) -> None:
    """People who were there before mail for unread mentions get it (on by
    default) and no language until their browser says one."""
    async with scratch.engine.begin() as conn:
        await conn.run_sync(_upgrade_to, "0010")
        await conn.execute(
            text(
                "INSERT INTO account (id, email, display_name, role, is_active, created_at,"
                " stream_epoch, stream_seq, reading, bio, search_text, sort_key) VALUES"
                " (1, 'a@example.com', 'A', 'member', TRUE, :now, 'e', 0, '', '', 'a', 'a')"
            ),
            {"now": datetime(2026, 1, 1, tzinfo=UTC)},
        )
    await scratch.migrate()
    async with scratch.reader() as session:
        a = await session.get(User, 1)
    assert a is not None
    assert (a.mention_email, a.language, a.display_name) == (True, None, "A")


async def test_0012_keeps_channels_and_memberships_whole(scratch: Database) -> None:
    """Conversations arrive: existing channels have no pair key, existing members
    read their whole history (no ``since_post``), nobody is blocked, and a pair
    key is unique."""
    now = datetime(2026, 1, 1, tzinfo=UTC)
    async with scratch.engine.begin() as conn:
        await conn.run_sync(_upgrade_to, "0011")
        await conn.execute(
            text(
                "INSERT INTO account (id, email, display_name, role, is_active, created_at,"
                " stream_epoch, stream_seq, reading, bio, search_text, sort_key,"
                " mention_email) VALUES"
                " (1, 'a@example.com', 'A', 'member', TRUE, :now, 'e', 0, '', '', 'a', 'a',"
                " TRUE)"
            ),
            {"now": now},
        )
        await conn.execute(
            text(
                "INSERT INTO channel (id, kind, name, description, is_private, epoch, last_seq,"
                " created_at) VALUES (1, 'group', 'Go club', '', FALSE, 'e', 0, :now)"
            ),
            {"now": now},
        )
        await conn.execute(
            text(
                "INSERT INTO membership (channel_id, user_id, joined_at, notify)"
                " VALUES (1, 1, :now, 'mentions')"
            ),
            {"now": now},
        )
    await scratch.migrate()
    async with scratch.engine.begin() as conn:
        row = (
            await conn.execute(
                text(
                    "SELECT c.name, c.pair_key, m.since_post FROM channel c"
                    " JOIN membership m ON m.channel_id = c.id"
                )
            )
        ).one()
        assert tuple(row) == ("Go club", None, None)
        assert (await conn.execute(text("SELECT count(*) FROM person_block"))).scalar() == 0
        insert = text(
            "INSERT INTO channel (id, kind, name, description, is_private, epoch, last_seq,"
            " created_at, pair_key) VALUES (:id, 'direct', 'x', '', TRUE, 'e', 0, :now, '1:2')"
        )
        await conn.execute(insert, {"id": 2, "now": now})
    with pytest.raises(Exception, match=r"(?i)unique|duplicate"):
        async with scratch.engine.begin() as conn:
            await conn.execute(insert, {"id": 3, "now": now})


async def test_0013_welcomes_everyone_already_there_and_dates_their_newcomer_period(
    scratch: Database,
) -> None:
    """People there before newcomers get no welcome post (they count as
    welcomed), those with a password as signed in before, and a start date's
    newcomer period ends 90 days after it."""
    async with scratch.engine.begin() as conn:
        await conn.run_sync(_upgrade_to, "0012")
        await conn.execute(
            text(
                "INSERT INTO account (id, email, display_name, role, is_active, created_at,"
                " stream_epoch, stream_seq, reading, bio, search_text, sort_key, start_date,"
                " password_hash, mention_email) VALUES"
                " (1, 'a@example.com', 'A', 'member', TRUE, :now, 'e', 0, '', '', 'a', 'a',"
                " :start, 'h', TRUE),"
                " (2, 'b@example.com', 'B', 'member', TRUE, :now, 'e', 0, '', '', 'b', 'b',"
                " NULL, NULL, TRUE)"
            ),
            {"now": datetime(2026, 1, 1, tzinfo=UTC), "start": date(2026, 4, 1)},
        )
    await scratch.migrate()
    async with scratch.reader() as session:
        a, b = await session.get(User, 1), await session.get(User, 2)
    assert a is not None and b is not None
    assert a.newcomer_until == date(2026, 6, 30) and b.newcomer_until is None
    assert a.welcomed_at is not None and b.welcomed_at is not None
    assert a.first_signed_in_at is not None and b.first_signed_in_at is None
    assert (a.display_name, a.start_date) == ("A", date(2026, 4, 1))


async def test_0016_asks_nothing_of_people_already_there(scratch: Database) -> None:
    """People who were there before terms of use existed have accepted none
    (version 0), and no version is in force, so nothing is asked of them; no
    word list is in force either."""
    async with scratch.engine.begin() as conn:
        await conn.run_sync(_upgrade_to, "0013")
        await conn.execute(
            text(
                "INSERT INTO account (id, email, display_name, role, is_active, created_at,"
                " stream_epoch, stream_seq, reading, bio, search_text, sort_key) VALUES"
                " (1, 'a@example.com', 'A', 'member', TRUE, :now, 'e', 0, '', '', 'a', 'a')"
            ),
            {"now": datetime(2026, 1, 1, tzinfo=UTC)},
        )
    await scratch.migrate()
    async with scratch.reader() as session:
        a = await session.get(User, 1)
        assert a is not None and a.terms_version == 0
        assert (await terms.current(session)).version == 0
        assert (await terms.state(session, a)).needed is False
        assert (await lists.load(session)).in_force is False


async def test_0017_adds_moderation_and_keeps_notifications_and_their_indexes(
    scratch: Database,
) -> None:
    """Nobody is muted, suspended or hidden after the upgrade; a notification
    written before it is still there, one about no channel (moderation's) can
    be written after it, and the partial indexes on notifications survive the
    table being rebuilt (SQLite)."""
    now = datetime(2026, 1, 1, tzinfo=UTC)
    async with scratch.engine.begin() as conn:
        await conn.run_sync(_upgrade_to, "0016")
        await conn.execute(
            text(
                "INSERT INTO account (id, email, display_name, role, is_active, created_at,"
                " stream_epoch, stream_seq, reading, bio, search_text, sort_key, mention_email)"
                " VALUES (1, 'a@example.com', 'A', 'member', TRUE, :now, 'e', 0, '', '', 'a',"
                " 'a', TRUE)"
            ),
            {"now": now},
        )
        await conn.execute(
            text(
                "INSERT INTO channel (id, kind, name, description, is_private, epoch, last_seq,"
                " created_at) VALUES (1, 'group', 'Open', '', FALSE, 'e', 0, :now)"
            ),
            {"now": now},
        )
        await conn.execute(
            text(
                "INSERT INTO post (id, channel_id, author_id, body, created_at, like_count,"
                " comment_count) VALUES (1, 1, 1, 'before', :now, 0, 0)"
            ),
            {"now": now},
        )
        await conn.execute(
            text(
                "INSERT INTO notification (user_id, id, seq, kind, channel_id, post_id,"
                " actor_ids, excerpt, created_at, updated_at) VALUES"
                " (1, 1, 1, 'mention', 1, 1, '[1]', 'before', :now, :now)"
            ),
            {"now": now},
        )
    await scratch.migrate()
    async with scratch.reader() as session:
        a = await session.get(User, 1)
    assert a is not None and (a.muted_until, a.suspended_until) == (None, None)
    async with scratch.engine.begin() as conn:
        hidden = (await conn.execute(text("SELECT hidden_at FROM post"))).scalar_one()
        assert hidden is None
        await conn.execute(
            text(
                "INSERT INTO notification (user_id, id, seq, kind, channel_id, actor_ids,"
                " excerpt, created_at, updated_at) VALUES"
                " (1, 2, 2, 'report', NULL, '[]', 'dismiss', :now, :now)"
            ),
            {"now": now},
        )
        kept = (await conn.execute(text("SELECT count(*) FROM notification"))).scalar_one()
        assert kept == 2
        for table in ("report", "sanction", "audit_entry"):
            assert (await conn.execute(text(f"SELECT count(*) FROM {table}"))).scalar_one() == 0
        if scratch.engine.dialect.name == "sqlite":
            indexes = (
                await conn.execute(
                    text("SELECT name, sql FROM sqlite_master WHERE tbl_name = 'notification'")
                )
            ).all()
            found = {n: sql for n, sql in indexes if n.startswith("ix_")}
            assert "WHERE" in (found.get("ix_notification_unread") or "")
            assert "WHERE" in (found.get("ix_notification_unmailed") or "")


async def test_0022_adds_empty_survey_tables_and_changes_nothing_else(scratch: Database) -> None:
    """Nobody has answered or made a survey, nobody but admins may make one,
    and the people already there stay as they were."""
    now = datetime(2026, 1, 1, tzinfo=UTC)
    async with scratch.engine.begin() as conn:
        await conn.run_sync(_upgrade_to, "0018")
        await conn.execute(
            text(
                "INSERT INTO account (id, email, display_name, role, is_active, created_at,"
                " stream_epoch, stream_seq, reading, bio, search_text, sort_key, mention_email)"
                " VALUES (1, 'a@example.com', 'A', 'admin', TRUE, :now, 'e', 0, '', '', 'a',"
                " 'a', TRUE)"
            ),
            {"now": now},
        )
    await scratch.migrate()
    async with scratch.engine.begin() as conn:
        for table in (
            "survey",
            "survey_department",
            "survey_question",
            "survey_option",
            "survey_respondent",
            "survey_pool",
            "survey_maker",
        ):
            count = (await conn.execute(text(f"SELECT count(*) FROM {table}"))).scalar_one()
            assert count == 0, table
        await conn.execute(
            text(
                "INSERT INTO survey (id, title, description, anonymous, company, opens_at,"
                " closes_at, created_by, created_at) VALUES (1, 'S', '', TRUE, TRUE, :now,"
                " :now, 1, :now)"
            ),
            {"now": now},
        )
        await conn.execute(
            text("INSERT INTO survey_pool (survey_id, count, responses) VALUES (1, 0, '[]')")
        )
        people = (await conn.execute(text("SELECT email, role FROM account"))).all()
    assert [tuple(p) for p in people] == [("a@example.com", "admin")]


async def test_0021_adds_polls_and_leaves_posts_without_one(scratch: Database) -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    async with scratch.engine.begin() as conn:
        await conn.run_sync(_upgrade_to, "0018")
        await conn.execute(
            text(
                "INSERT INTO account (id, email, display_name, role, is_active, created_at,"
                " stream_epoch, stream_seq, reading, bio, search_text, sort_key, mention_email)"
                " VALUES (1, 'a@example.com', 'A', 'member', TRUE, :now, 'e', 0, '', '', 'a',"
                " 'a', TRUE)"
            ),
            {"now": now},
        )
        await conn.execute(
            text(
                "INSERT INTO channel (id, kind, name, description, is_private, epoch, last_seq,"
                " created_at) VALUES (1, 'group', 'Open', '', FALSE, 'e', 0, :now)"
            ),
            {"now": now},
        )
        await conn.execute(
            text(
                "INSERT INTO post (id, channel_id, author_id, body, created_at, like_count,"
                " comment_count) VALUES (1, 1, 1, 'before', :now, 0, 0)"
            ),
            {"now": now},
        )
    await scratch.migrate()
    async with scratch.engine.begin() as conn:
        for table in ("poll", "poll_option", "poll_vote"):
            assert (await conn.execute(text(f"SELECT count(*) FROM {table}"))).scalar_one() == 0
        await conn.execute(
            text(
                "INSERT INTO poll (post_id, channel_id, multiple, anonymous, created_at)"
                " VALUES (1, 1, FALSE, TRUE, :now)"
            ),
            {"now": now},
        )
        await conn.execute(
            text("INSERT INTO poll_option (id, post_id, position, text) VALUES (1, 1, 0, 'x')")
        )
        await conn.execute(
            text(
                "INSERT INTO poll_vote (post_id, user_id, option_id, voted_at)"
                " VALUES (1, 1, 1, :now)"
            ),
            {"now": now},
        )


async def test_0020_adds_events_empty_and_writable(scratch: Database) -> None:
    """Events come with no event, answer or feed; one can be written after."""
    now = datetime(2026, 1, 1, tzinfo=UTC)
    async with scratch.engine.begin() as conn:
        await conn.run_sync(_upgrade_to, "0018")
        await conn.execute(
            text(
                "INSERT INTO account (id, email, display_name, role, is_active, created_at,"
                " stream_epoch, stream_seq, reading, bio, search_text, sort_key, mention_email,"
                " terms_version) VALUES (1, 'a@example.com', 'A', 'member', TRUE, :now, 'e', 0,"
                " '', '', 'a', 'a', TRUE, 0)"
            ),
            {"now": now},
        )
    await scratch.migrate()
    async with scratch.engine.begin() as conn:
        for table in ("gathering", "rsvp", "calendar_feed"):
            assert (await conn.execute(text(f"SELECT count(*) FROM {table}"))).scalar_one() == 0
        await conn.execute(
            text(
                "INSERT INTO gathering (id, uid, organiser_id, title, description, starts_at,"
                " ends_at, place, link, going, maybe, waitlist, sequence, created_at,"
                " updated_at) VALUES (1, 'u@kaisha', 1, 'T', '', :now, :now, '', '', 1, 0, 0,"
                " 0, :now, :now)"
            ),
            {"now": now},
        )
        await conn.execute(
            text(
                "INSERT INTO rsvp (gathering_id, user_id, answer, answered_at)"
                " VALUES (1, 1, 'going', :now)"
            ),
            {"now": now},
        )


async def test_0023_adds_the_analytics_tables_and_the_first_round_counts_what_was_there(
    scratch: Database,
) -> None:
    """A post written before the upgrade is counted by the analytics job's first
    round (the rollups start empty; the job fills its whole window)."""
    from bus import make_bus
    from server.analytics_job import AnalyticsJob

    now = datetime(2026, 1, 1, 9, tzinfo=UTC)
    async with scratch.engine.begin() as conn:
        await conn.run_sync(_upgrade_to, "0018")
        await conn.execute(
            text(
                "INSERT INTO account (id, email, display_name, role, is_active, created_at,"
                " stream_epoch, stream_seq, reading, bio, search_text, sort_key, mention_email)"
                " VALUES (1, 'a@example.com', 'A', 'member', TRUE, :now, 'e', 0, '', '', 'a',"
                " 'a', TRUE)"
            ),
            {"now": now},
        )
        await conn.execute(
            text(
                "INSERT INTO channel (id, kind, name, description, is_private, epoch, last_seq,"
                " created_at) VALUES (1, 'group', 'Open', '', FALSE, 'e', 0, :now)"
            ),
            {"now": now},
        )
        await conn.execute(
            text(
                "INSERT INTO post (id, channel_id, author_id, body, created_at, like_count,"
                " comment_count) VALUES (1, 1, 1, 'before', :now, 0, 0)"
            ),
            {"now": now},
        )
    await scratch.migrate()
    bus = make_bus(None, prefix="scratch")
    await bus.start()
    try:
        report = await AnalyticsJob(scratch, bus, 600).refresh(now + timedelta(hours=1), gap=0)
    finally:
        await bus.close()
    assert report is not None and report.days[-1].suppressed  # one person
    async with scratch.engine.begin() as conn:
        rows = (
            await conn.execute(text("SELECT feature, user_id, channel_id, uses FROM analytics_use"))
        ).all()
    assert sorted(tuple(r) for r in rows) == [("groups", 1, 1, 1), ("posts", 1, 1, 1)]


async def test_0025_notifications_before_it_name_no_subject(scratch: Database) -> None:
    """A notification written before the upgrade is still there, about no
    subject (the browser opens the list for it, as before); one written after
    names its event."""
    now = datetime(2026, 1, 1, tzinfo=UTC)
    async with scratch.engine.begin() as conn:
        await conn.run_sync(_upgrade_to, "0024")
        await conn.execute(
            text(
                "INSERT INTO account (id, email, display_name, role, is_active, created_at,"
                " stream_epoch, stream_seq, reading, bio, search_text, sort_key, mention_email)"
                " VALUES (1, 'a@example.com', 'A', 'member', TRUE, :now, 'e', 0, '', '', 'a',"
                " 'a', TRUE)"
            ),
            {"now": now},
        )
        await conn.execute(
            text(
                "INSERT INTO notification (user_id, id, seq, kind, channel_id, actor_ids,"
                " excerpt, created_at, updated_at) VALUES"
                " (1, 1, 1, 'event_reminder_day', NULL, '[]', 'before', :now, :now)"
            ),
            {"now": now},
        )
    await scratch.migrate()
    async with scratch.engine.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO notification (user_id, id, seq, kind, channel_id, actor_ids,"
                " excerpt, subject_id, created_at, updated_at) VALUES"
                " (1, 2, 2, 'event_reminder_hour', NULL, '[]', 'after', 7, :now, :now)"
            ),
            {"now": now},
        )
        rows = (
            await conn.execute(text("SELECT id, subject_id FROM notification ORDER BY id"))
        ).all()
        assert [tuple(r) for r in rows] == [(1, None), (2, 7)]
        if scratch.engine.dialect.name == "sqlite":
            indexes = (
                await conn.execute(
                    text("SELECT name, sql FROM sqlite_master WHERE tbl_name = 'notification'")
                )
            ).all()
            found = {n: sql for n, sql in indexes if n.startswith("ix_")}
            assert "WHERE" in (found.get("ix_notification_unread") or "")


async def test_0024_gives_no_channel_a_retention(scratch: Database) -> None:
    """Channels that were there keep everything (no retention row); one can be
    set after the upgrade."""
    now = datetime(2026, 1, 1, tzinfo=UTC)
    async with scratch.engine.begin() as conn:
        await conn.run_sync(_upgrade_to, "0018")
        await conn.execute(
            text(
                "INSERT INTO channel (id, kind, name, description, is_private, epoch, last_seq,"
                " created_at) VALUES (1, 'group', 'Open', '', FALSE, 'e', 0, :now)"
            ),
            {"now": now},
        )
    await scratch.migrate()
    async with scratch.engine.begin() as conn:
        count = "SELECT count(*) FROM channel_retention"
        assert (await conn.execute(text(count))).scalar_one() == 0
        await conn.execute(
            text("INSERT INTO channel_retention (channel_id, days, set_at) VALUES (1, 30, :now)"),
            {"now": now},
        )
        assert (await conn.execute(text(count))).scalar_one() == 1


async def test_0019_adds_announcements_and_a_deleted_department_leaves_their_audience(
    scratch: Database,
) -> None:
    """Nothing is announced after the upgrade; an announcement for a department
    and an announcer of it go with the department's row (``ON DELETE CASCADE``
    on both backends), the announcement itself stays."""
    now = datetime(2026, 1, 1, tzinfo=UTC)
    async with scratch.engine.begin() as conn:
        await conn.run_sync(_upgrade_to, "0018")
        await conn.execute(
            text("INSERT INTO department (id, name, reading, created_at) VALUES (1, 'D', '', :n)"),
            {"n": now},
        )
        await conn.execute(
            text(
                "INSERT INTO account (id, email, display_name, role, is_active, created_at,"
                " stream_epoch, stream_seq, reading, bio, search_text, sort_key, mention_email)"
                " VALUES (1, 'a@example.com', 'A', 'admin', TRUE, :now, 'e', 0, '', '', 'a',"
                " 'a', TRUE)"
            ),
            {"now": now},
        )
    await scratch.migrate()
    async with scratch.engine.begin() as conn:
        for table in ("announcement", "announcement_department", "announcement_read", "announcer"):
            assert (await conn.execute(text(f"SELECT count(*) FROM {table}"))).scalar_one() == 0
        await conn.execute(
            text(
                "INSERT INTO announcement (id, author_id, title, body, html, must_read,"
                " company_wide, publish_at, published_at, created_at, round) VALUES"
                " (1, 1, 't', 'b', '<p>b</p>', TRUE, FALSE, :n, :n, :n, 1)"
            ),
            {"n": now},
        )
        await conn.execute(text("INSERT INTO announcement_department VALUES (1, 1)"))
        await conn.execute(
            text("INSERT INTO announcer (department_id, user_id, named_at) VALUES (1, 1, :n)"),
            {"n": now},
        )
        await conn.execute(text("DELETE FROM department WHERE id = 1"))
        for table, left in (("announcement_department", 0), ("announcer", 0), ("announcement", 1)):
            count = (await conn.execute(text(f"SELECT count(*) FROM {table}"))).scalar_one()
            assert count == left, table


async def test_0026_opens_comments_on_existing_announcements_and_leaves_files_alone(
    scratch: Database,
) -> None:
    """An announcement already there keeps its comments open and carries no
    files; a file already on a post stays on it (on no announcement); comments
    and files on announcements can be written after the upgrade."""
    now = datetime(2026, 1, 1, tzinfo=UTC)
    async with scratch.engine.begin() as conn:
        await conn.run_sync(_upgrade_to, "0024")
        await conn.execute(
            text(
                "INSERT INTO account (id, email, display_name, role, is_active, created_at,"
                " stream_epoch, stream_seq, reading, bio, search_text, sort_key, mention_email)"
                " VALUES (1, 'a@example.com', 'A', 'admin', TRUE, :now, 'e', 0, '', '', 'a',"
                " 'a', TRUE)"
            ),
            {"now": now},
        )
        await conn.execute(
            text(
                "INSERT INTO announcement (id, author_id, title, body, html, must_read,"
                " company_wide, publish_at, published_at, created_at, round) VALUES"
                " (1, 1, 't', 'b', '<p>b</p>', FALSE, TRUE, :n, :n, :n, 1)"
            ),
            {"n": now},
        )
        await conn.execute(
            text(
                "INSERT INTO attachment (pk, id, key, uploader_id, name, media_type, category,"
                " is_image, size, stored_bytes, animated, created_at) VALUES"
                " (1, 'f1aaaaaaaaaaaaaaaaaaaa', 'k1', 1, 'a.pdf', 'application/pdf', 'pdf',"
                " FALSE, 10, 10, FALSE, :n)"
            ),
            {"n": now},
        )
    await scratch.migrate()
    async with scratch.engine.begin() as conn:
        row = (await conn.execute(text("SELECT comments_enabled, files FROM announcement"))).one()
        files = row.files if isinstance(row.files, list) else json.loads(row.files)
        assert (bool(row.comments_enabled), files) == (True, [])
        found = "SELECT announcement_id FROM attachment WHERE pk = 1"
        assert (await conn.execute(text(found))).scalar_one() is None
        assert (
            await conn.execute(text("SELECT count(*) FROM announcement_comment"))
        ).scalar_one() == 0
        await conn.execute(text("UPDATE attachment SET announcement_id = 1 WHERE pk = 1"))
        await conn.execute(
            text(
                "INSERT INTO announcement_comment (announcement_id, author_id, body, html,"
                " created_at) VALUES (1, 1, 'c', '<p>c</p>', :n)"
            ),
            {"n": now},
        )
        assert (await conn.execute(text(found))).scalar_one() == 1
