"""The company's own settings, changed by admins in the browser and read by
every node from the database (the environment holds the server's settings:
server/settings.py).

Each setting is a pydantic model stored as JSON under its key; a package
declares its own (``FILE_RULES`` in channels/attachments.py) and reads it with
``load``, which answers the model's defaults until an admin saves one.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypeVar

from pydantic import BaseModel
from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from core.clock import utcnow
from org.facts import SettingChanged
from streams.unit import Unit

M = TypeVar("M", bound=BaseModel)


class CompanySetting(SQLModel, table=True):
    __tablename__ = "company_setting"
    key: str = Field(primary_key=True, max_length=64)
    value: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    updated_at: datetime = Field(default_factory=utcnow)
    updated_by: int | None = Field(default=None, foreign_key="account.id")


async def load(db: AsyncSession, key: str, model: type[M]) -> M:
    """The saved setting, or the model's defaults. A saved value that no longer
    fits the model (a field renamed) keeps what still fits."""
    row = await db.get(CompanySetting, key)
    if row is None:
        return model()
    known = {k: v for k, v in row.value.items() if k in model.model_fields}
    return model.model_validate(known)


async def save(
    unit: Unit, key: str, value: BaseModel, by: int | None, *, secret: bool = False
) -> None:
    """Store ``value`` under ``key`` in the caller's unit, noted as
    ``setting.changed`` with the values before and after (none for a
    ``secret`` one: the audit log keeps no keys)."""
    db = unit.db
    row = await db.get(CompanySetting, key)
    old = None if row is None else dict(row.value)
    if row is None:
        row = CompanySetting(key=key, value={})
    row.value = value.model_dump(mode="json")
    row.updated_at = utcnow()
    row.updated_by = by
    db.add(row)
    if old != row.value:
        shown = not secret
        unit.note(
            SettingChanged(key=key, old=old if shown else None, new=row.value if shown else None)
        )
