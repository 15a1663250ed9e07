"""The read rule exists as Python (per channel kind) and as a SQL condition
(``readable_by``, for lists, search and feeds): both must say the same for
every kind, privacy and membership, on both databases."""

from __future__ import annotations

import itertools

from sqlmodel import col, select

from channels.access import POLICIES, can_read, readable_by, viewer
from channels.models import Channel, Membership
from org.models import Department, Role, User
from server.db import Database
from server.settings import Settings


async def test_sql_read_rule_agrees_with_the_policies(settings: Settings) -> None:
    db = Database(settings.database_url)
    await db.migrate()
    try:
        async with db.writer() as session:
            reader = User(email="r@example.com", display_name="Reader", role=Role.member.value)
            session.add(reader)
            await session.flush()
            cases = []
            for n, (kind, private, member) in enumerate(
                itertools.product(POLICIES, (False, True), (False, True))
            ):
                department_id = None
                if kind == "department":
                    dept = Department(name=f"d{n}")
                    session.add(dept)
                    await session.flush()
                    department_id = dept.id
                channel = Channel(
                    kind=kind,
                    name=f"c{n}",
                    is_private=private,
                    department_id=department_id,
                    epoch="e",
                )
                session.add(channel)
                await session.flush()
                if member:
                    assert channel.id is not None and reader.id is not None
                    session.add(Membership(channel_id=channel.id, user_id=reader.id))
                cases.append((channel, member))
            await session.commit()

            found = set(
                (
                    await session.exec(
                        select(Channel.id).where(readable_by(reader.id)).order_by(col(Channel.id))
                    )
                ).all()
            )
        for channel, member in cases:
            v = viewer(
                reader,
                is_member=member,
                created_by=channel.created_by,
                is_private=channel.is_private,
            )
            expected = can_read(channel.kind, v)
            assert (channel.id in found) == expected, (channel.kind, channel.is_private, member)
        # Not a rule that lets everything through (or nothing).
        assert 0 < len(found) < len(cases)
    finally:
        await db.close()
