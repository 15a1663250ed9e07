"""Where answers are kept: one row per survey (``survey_pool``) holding every
response in a list, each new one put at a random place in it.

Why not a row per response: whatever a row carries besides its answers
can tie it to the row saying who answered (``survey_respondent``), which has
the person and the time. A sequence id or an insertion time orders rows as
they came; so does where a row lies in the table (SQLite's rowid,
PostgreSQL's heap order and ``ctid``), and PostgreSQL's ``xmin`` is even the
very transaction that wrote the respondent's row. Kept in one list at
random places, a response has no id, no time, no transaction and no position
of its own: the row's ``xmin`` tells only that someone answered last, which
the respondents' table says anyway, and the k-th response in the list is
the k-th of a uniform random order, whatever order people answered in
(inserting each at a uniform random index gives a uniform permutation).

A response is ``{"answers": {"<question id>": value}}``: option ids (a
list) for choices, 1 to 5 for the scale, a string for free text. A named
survey's responses also carry ``"person": id``; an anonymous one's carry no
person, and no department (its results show none: surveys/reads.py).

The cost is rewriting the list at each answer (a few hundred bytes a
response: about 100 KB for a thousand), inside the answer's transaction,
with the row locked (``FOR UPDATE`` on PostgreSQL; SQLite writes one at a
time anyway).
"""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy import select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from core.tables import table_of
from surveys.models import SurveyPool

_POOL = table_of(SurveyPool)


async def create(db: AsyncSession, survey_id: int) -> None:
    conn = await db.connection()
    await conn.execute(_POOL.insert().values(survey_id=survey_id, count=0, responses=[]))


async def add(db: AsyncSession, survey_id: int, response: dict[str, Any]) -> int:
    """Put ``response`` at a random place among the survey's; answers the
    number of responses now."""
    conn = await db.connection()
    found = (
        await conn.execute(
            select(_POOL.c.responses).where(_POOL.c.survey_id == survey_id).with_for_update()
        )
    ).scalar_one()
    responses = list(found or [])
    responses.insert(secrets.randbelow(len(responses) + 1), response)
    await conn.execute(
        update(_POOL)
        .where(_POOL.c.survey_id == survey_id)
        .values(responses=responses, count=len(responses))
    )
    return len(responses)


async def responses_of(db: AsyncSession, survey_id: int) -> list[dict[str, Any]]:
    conn = await db.connection()
    found = (
        await conn.execute(select(_POOL.c.responses).where(_POOL.c.survey_id == survey_id))
    ).scalar_one_or_none()
    return list(found or [])
