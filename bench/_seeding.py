"""Many people at once for benchmarks: accounts and API tokens written
straight into the tables, in the caller's transaction (thousands a second,
where the API makes a few a second); PostgreSQL's account id sequence is
moved past them once the caller is done (``seeded``)."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from core.tables import table_of
from org.auth import digest
from org.models import ApiToken, User
from streams.log import new_epoch

_USERS, _TOKENS = table_of(User), table_of(ApiToken)


async def add_people(
    conn: AsyncConnection, department_id: int | None, names: Sequence[str], now: datetime
) -> list[int]:
    """Members of ``department_id`` with these display names (no password:
    they use tokens); their ids, in order."""
    first = (await conn.execute(select(func.max(_USERS.c.id)))).scalar_one() + 1
    tag = secrets.token_hex(3)
    people = [
        {
            "id": first + i,
            "email": f"p{first + i}-{tag}@example.com",
            "display_name": name,
            "reading": "",
            "bio": "",
            "department_id": department_id,
            "role": "member",
            "is_active": True,
            "password_hash": None,
            "start_date": None,
            "created_at": now,
            "stream_epoch": new_epoch(),
            "stream_seq": 0,
            "search_text": name,
            "sort_key": f"{tag}{first + i:07d}",
        }
        for i, name in enumerate(names)
    ]
    await conn.execute(insert(_USERS), people)
    return [p["id"] for p in people]


async def add_tokens(conn: AsyncConnection, user_ids: Sequence[int], now: datetime) -> list[str]:
    """An API token for each of ``user_ids``, in order."""
    tokens = ["kt_" + secrets.token_urlsafe(24) for _ in user_ids]
    await conn.execute(
        insert(_TOKENS),
        [
            {
                "user_id": user_id,
                "name": "bench",
                "token_hash": digest(token),
                "created_at": now,
                "expires_at": None,
                "last_used_at": now,
            }
            for user_id, token in zip(user_ids, tokens, strict=True)
        ],
    )
    return tokens


async def seeded(conn: AsyncConnection) -> None:
    """After inserting accounts with their ids: the next made through the API
    takes the id after them (PostgreSQL's sequence does not see inserted ids)."""
    if conn.dialect.name == "postgresql":
        await conn.exec_driver_sql(
            "SELECT setval(pg_get_serial_sequence('account', 'id'), (SELECT max(id) FROM account))"
        )
